package dev.csmpipeline.model;

import static dev.csmpipeline.model.Fixtures.t;
import static org.assertj.core.api.Assertions.assertThat;

import dev.csmpipeline.model.NarrationProgress.Transition;
import org.junit.jupiter.api.Test;

class NarrationProgressTest {

    private static SynthesisRequest segment(int index, int count, boolean gaps) {
        return new SynthesisRequest(NarrationPlan.segmentJobId("nar", index), JobKind.NARRATION_SEGMENT, "s", 0,
                5000, null, null, "acme", t(0), null, new NarrationRef("nar", index, count, gaps));
    }

    private static JobEvent ok(int index, int count, boolean gaps, long ms) {
        return JobEvent.succeeded(segment(index, count, gaps), "w", "m",
                new AudioResult("k", ms, 24_000, 100, "ab", 1), t(index + 1));
    }

    private static JobEvent failed(int index, int count, boolean gaps) {
        SynthesisRequest r = segment(index, count, gaps);
        return JobEvent.failed(r.jobId(), r.narration(), "w", new JobError("ENGINE_ERROR", "boom"), t(9));
    }

    private static NarrationProgress fold(JobEvent... events) {
        NarrationProgress p = null;
        for (JobEvent e : events) {
            p = NarrationProgress.apply(p, e);
        }
        return p;
    }

    @Test
    void acceptedSegmentsCarryTheTenant() {
        NarrationProgress p = fold(JobEvent.accepted(segment(0, 3, false), t(0)));
        assertThat(p.tenant()).isEqualTo("acme");
        assertThat(p.segmentCount()).isEqualTo(3);
        assertThat(p.finished()).isZero();
    }

    @Test
    void lastSegmentSucceedingCompletesTheNarrationOnce() {
        NarrationProgress two = fold(ok(0, 3, false, 1000), ok(2, 3, false, 500));
        assertThat(two.transition()).isEqualTo(Transition.NONE);
        NarrationProgress all = NarrationProgress.apply(two, ok(1, 3, false, 700));
        assertThat(all.transition()).isEqualTo(Transition.COMPLETED);
        assertThat(all.audioMsDone()).isEqualTo(2200);
        NarrationProgress duplicate = NarrationProgress.apply(all, ok(1, 3, false, 700));
        assertThat(duplicate.transition()).isEqualTo(Transition.NONE);
        assertThat(duplicate.audioMsDone()).isEqualTo(2200);
        assertThat(duplicate.succeeded()).isEqualTo(3);
    }

    @Test
    void duplicatedSuccessIsCountedOnce() {
        NarrationProgress p = fold(ok(0, 3, false, 1000), ok(0, 3, false, 1000));
        assertThat(p.succeeded()).isEqualTo(1);
        assertThat(p.audioMsDone()).isEqualTo(1000);
    }

    @Test
    void firstFailureFailsTheNarrationNamingTheSegment() {
        NarrationProgress p = fold(ok(0, 3, false, 1000), failed(1, 3, false));
        assertThat(p.transition()).isEqualTo(Transition.FAILED);
        assertThat(p.failedSegment()).isEqualTo(1);
        assertThat(p.failure().code()).isEqualTo("ENGINE_ERROR");
        NarrationProgress later = NarrationProgress.apply(p, failed(2, 3, false));
        assertThat(later.transition()).isEqualTo(Transition.NONE);
        assertThat(later.failedSegment()).isEqualTo(1);
    }

    @Test
    void withGapsAFailureDoesNotFailTheNarrationAndCompletionListsTheGap() {
        NarrationProgress p = fold(ok(0, 3, true, 1000), failed(1, 3, true));
        assertThat(p.transition()).isEqualTo(Transition.NONE);
        NarrationProgress done = NarrationProgress.apply(p, ok(2, 3, true, 800));
        assertThat(done.transition()).isEqualTo(Transition.COMPLETED);
        assertThat(done.failedSegments()).containsExactly(1);
    }

    @Test
    void withGapsEverySegmentFailingFailsTheNarration() {
        NarrationProgress p = fold(failed(0, 2, true), failed(1, 2, true));
        assertThat(p.transition()).isEqualTo(Transition.FAILED);
    }

    @Test
    void cancelledSegmentsNeverCompleteTheNarration() {
        SynthesisRequest s1 = segment(1, 2, false);
        NarrationProgress p = fold(ok(0, 2, false, 1000), JobEvent.cancelled(s1.jobId(), s1.narration(), "w", t(3)));
        assertThat(p.allFinished()).isTrue();
        assertThat(p.transition()).isEqualTo(Transition.NONE);
    }

    @Test
    void lateStartedAfterSuccessKeepsTheSegmentDone() {
        NarrationProgress p = fold(ok(0, 2, false, 1000),
                JobEvent.started(segment(0, 2, false), "w", "m", "cpu", t(0)));
        assertThat(p.succeeded()).isEqualTo(1);
        assertThat(p.running()).isZero();
    }

    @Test
    void outOfRangeSegmentIndexIsIgnored() {
        NarrationProgress p = fold(ok(0, 2, false, 1000));
        SynthesisRequest bogus = new SynthesisRequest("x", JobKind.NARRATION_SEGMENT, "s", 0, 5000, null, null,
                "acme", t(0), null, new NarrationRef("nar", 7, 2));
        assertThat(NarrationProgress.apply(p, JobEvent.started(bogus, "w", "m", "cpu", t(1)))).isSameAs(p);
    }

    @Test
    void progressSurvivesTheWireCodec() {
        NarrationProgress p = fold(ok(0, 3, false, 1000), failed(1, 3, false));
        NarrationProgress back = WireJson.decode(WireJson.encode(p), NarrationProgress.class);
        assertThat(back.segmentStates()).containsExactly(p.segmentStates());
        assertThat(back.failedSegment()).isEqualTo(1);
        assertThat(back.transition()).isEqualTo(Transition.FAILED);
    }
}
