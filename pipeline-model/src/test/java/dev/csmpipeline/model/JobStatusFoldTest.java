package dev.csmpipeline.model;

import static dev.csmpipeline.model.Fixtures.t;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.Test;

class JobStatusFoldTest {

    private static final SynthesisRequest REQ = Fixtures.validRequest();
    private static final AudioResult AUDIO = new AudioResult("audio/job-1.wav", 1280, 24_000, 61_484, "ab", 16);

    private static JobStatus fold(JobEvent... events) {
        JobStatus s = null;
        for (JobEvent e : events) {
            s = JobStatusFold.apply(s, e);
        }
        return s;
    }

    private static JobEvent accepted() {
        return JobEvent.accepted(REQ, t(0));
    }

    private static JobEvent started(int at, String worker) {
        return JobEvent.started(REQ, worker, "tiny-random", "cpu", t(at));
    }

    private static JobEvent progress(int at, int frames) {
        return JobEvent.progress(REQ, "w1", frames, t(at));
    }

    private static JobEvent succeeded(int at) {
        return JobEvent.succeeded(REQ, "w1", "tiny-random", AUDIO, t(at));
    }

    @Test
    void acceptedJobIsQueuedWithItsRequestSummary() {
        JobStatus s = fold(accepted());
        assertThat(s.state()).isEqualTo(JobState.QUEUED);
        assertThat(s.kind()).isEqualTo(JobKind.ASYNC);
        assertThat(s.tenant()).isEqualTo("default");
        assertThat(s.framesMax()).isEqualTo(125);
        assertThat(s.acceptedAt()).isEqualTo(t(0));
    }

    @Test
    void normalLifecycleEndsSucceededWithItsAudio() {
        JobStatus s = fold(accepted(), started(1, "w1"), progress(2, 5), progress(3, 10), succeeded(4));
        assertThat(s.state()).isEqualTo(JobState.SUCCEEDED);
        assertThat(s.result()).isEqualTo(AUDIO);
        assertThat(s.framesDone()).isEqualTo(16);
        assertThat(s.startedAt()).isEqualTo(t(1));
        assertThat(s.finishedAt()).isEqualTo(t(4));
        assertThat(s.attempts()).isEqualTo(1);
        assertThat(s.model()).isEqualTo("tiny-random");
        assertThat(s.notice()).isEqualTo("model: tiny-random, output is not speech");
    }

    @Test
    void lateStartedAfterSucceededDoesNotMoveTheJobBack() {
        JobStatus s = fold(accepted(), started(1, "w1"), succeeded(4), started(1, "w1"));
        assertThat(s.state()).isEqualTo(JobState.SUCCEEDED);
        assertThat(s.framesDone()).isEqualTo(16);
    }

    @Test
    void lateProgressAfterSucceededIsIgnored() {
        JobStatus s = fold(accepted(), started(1, "w1"), succeeded(4), progress(3, 3));
        assertThat(s.state()).isEqualTo(JobState.SUCCEEDED);
        assertThat(s.framesDone()).isEqualTo(16);
    }

    @Test
    void acceptedArrivingAfterStartedKeepsTheJobRunning() {
        JobStatus s = fold(started(1, "w1"), accepted());
        assertThat(s.state()).isEqualTo(JobState.RUNNING);
        assertThat(s.kind()).isEqualTo(JobKind.ASYNC);
        assertThat(s.acceptedAt()).isEqualTo(t(0));
    }

    @Test
    void firstTerminalEventWins() {
        JobStatus s = fold(accepted(), started(1, "w1"), succeeded(4),
                JobEvent.failed(REQ.jobId(), null, "w2", new JobError("ENGINE_ERROR", "x"), t(5)),
                JobEvent.cancelled(REQ.jobId(), null, null, t(6)));
        assertThat(s.state()).isEqualTo(JobState.SUCCEEDED);
        assertThat(s.error()).isNull();
        assertThat(s.finishedAt()).isEqualTo(t(4));
    }

    @Test
    void duplicatedEventsChangeNothing() {
        JobStatus once = fold(accepted(), started(1, "w1"), progress(2, 5), succeeded(4));
        JobStatus twice = fold(accepted(), accepted(), started(1, "w1"), started(1, "w1"), progress(2, 5),
                progress(2, 5), succeeded(4), succeeded(4));
        assertThat(twice).isEqualTo(once);
    }

    @Test
    void progressNeverGoesBackwardsWithinAnAttempt() {
        JobStatus s = fold(accepted(), started(1, "w1"), progress(3, 10), progress(2, 5));
        assertThat(s.framesDone()).isEqualTo(10);
    }

    @Test
    void newerStartedBeginsANewAttemptAndResetsProgress() {
        JobStatus s = fold(accepted(), started(1, "w1"), progress(2, 40), started(10, "w2"));
        assertThat(s.attempts()).isEqualTo(2);
        assertThat(s.workerId()).isEqualTo("w2");
        assertThat(s.framesDone()).isZero();
    }

    @Test
    void progressOfASupersededAttemptIsIgnored() {
        JobStatus s = fold(accepted(), started(1, "w1"), started(10, "w2"), progress(5, 40));
        assertThat(s.framesDone()).isZero();
    }

    @Test
    void cancelRequestIsShownUntilTheJobEnds() {
        JobStatus requested = fold(accepted(), started(1, "w1"),
                JobEvent.cancelRequested(REQ.jobId(), null, t(2)));
        assertThat(requested.cancelRequested()).isTrue();
        assertThat(requested.state()).isEqualTo(JobState.RUNNING);
        JobStatus ended = JobStatusFold.apply(requested, JobEvent.cancelled(REQ.jobId(), null, "w1", t(3)));
        assertThat(ended.state()).isEqualTo(JobState.CANCELLED);
        assertThat(ended.cancelRequested()).isFalse();
    }

    @Test
    void cancelRequestAfterTheEndIsIgnored() {
        JobStatus s = fold(accepted(), succeeded(4), JobEvent.cancelRequested(REQ.jobId(), null, t(5)));
        assertThat(s.cancelRequested()).isFalse();
        assertThat(s.state()).isEqualTo(JobState.SUCCEEDED);
    }

    @Test
    void expiredAppliesOnlyToSucceededJobs() {
        assertThat(fold(accepted(), succeeded(4), JobEvent.expired(REQ.jobId(), null, t(9))).state())
                .isEqualTo(JobState.EXPIRED);
        assertThat(fold(accepted(), JobEvent.expired(REQ.jobId(), null, t(9))).state())
                .isEqualTo(JobState.QUEUED);
        assertThat(fold(accepted(), JobEvent.failed(REQ.jobId(), null, "w", new JobError("X", "y"), t(3)),
                JobEvent.expired(REQ.jobId(), null, t(9))).state()).isEqualTo(JobState.FAILED);
    }

    @Test
    void updatedAtIsTheNewestEventTime() {
        JobStatus s = fold(accepted(), started(5, "w1"), progress(3, 1));
        assertThat(s.updatedAt()).isEqualTo(t(5));
    }

    @RepeatedTest(20)
    void anyOrderOfOneAttemptsEventsEndsSucceeded() {
        List<JobEvent> events = new ArrayList<>(List.of(accepted(), started(1, "w1"), progress(2, 5),
                progress(3, 9), succeeded(4), accepted(), succeeded(4)));
        Collections.shuffle(events, new Random());
        JobStatus s = fold(events.toArray(JobEvent[]::new));
        assertThat(s.state()).isEqualTo(JobState.SUCCEEDED);
        assertThat(s.result()).isEqualTo(AUDIO);
        assertThat(s.kind()).isEqualTo(JobKind.ASYNC);
    }

    @Test
    void aDeletedVoiceStaysDeletedWhateverArrivesAfter() {
        JobStatus s = fold(accepted(), started(1, "w1"), JobEvent.deleted(REQ.jobId(), t(2)), succeeded(3),
                started(4, "w2"));
        assertThat(s.state()).isEqualTo(JobState.DELETED);
        assertThat(s.finishedAt()).isEqualTo(t(2));
        assertThat(s.result()).isNull();
    }

    @Test
    void deletingASucceededVoiceKeepsWhenItFinished() {
        JobStatus s = fold(accepted(), succeeded(3), JobEvent.deleted(REQ.jobId(), t(9)));
        assertThat(s.state()).isEqualTo(JobState.DELETED);
        assertThat(s.finishedAt()).isEqualTo(t(3));
    }

    @Test
    void theVoiceAndContextOfAConditionedJobReachItsStatus() {
        ContextRef clip = new ContextRef(ContextRef.VOICE, "voice-1", 2, "Hi there.", "voices/t/voice-1/codes.bin",
                40);
        SynthesisRequest withVoice = REQ.withConditioning(new Conditioning("voice-1", List.of(clip), false));
        ContextReport report = new ContextReport("voice-1", 1, 40, 58);
        JobStatus s = fold(JobEvent.accepted(withVoice, t(0)),
                JobEvent.succeeded(withVoice, "w1", "tiny-random", AUDIO, report, t(2)));
        assertThat(s.voiceId()).isEqualTo("voice-1");
        assertThat(s.context()).isEqualTo(report);
    }

    @Test
    void aVoiceRowDescribesItsClip() {
        VoiceClip clip = new VoiceClip("narrator", "Hello there.", "voices/t/v/clip.wav", "voices/t/v/codes.bin",
                3_000L, 44_100, 2);
        SynthesisRequest voice = new SynthesisRequest("v", JobKind.VOICE, "Hello there.", 0, 10_000, null,
                AudioFormat.WAV, "t", t(0), null, null, null, clip);
        JobStatus s = fold(JobEvent.accepted(voice, t(0)));
        assertThat(s.kind()).isEqualTo(JobKind.VOICE);
        assertThat(s.clip()).isEqualTo(clip);
    }
}
