package dev.csmpipeline.ingest.status;

import static org.assertj.core.api.Assertions.assertThat;

import dev.csmpipeline.model.AudioResult;
import dev.csmpipeline.model.JobEvent;
import dev.csmpipeline.model.JobState;
import dev.csmpipeline.model.JobStatus;
import dev.csmpipeline.model.SynthesisRequest;
import dev.csmpipeline.model.WarmUp;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class WarmUpStatusTest {

    private static final Instant NOW = Instant.parse("2026-12-01T12:00:00Z");
    private static final AudioResult RESULT = new AudioResult("audio/x.wav", 400, 24_000, 19_244, "ab", 5);

    private final WarmUpStatus table = new WarmUpStatus();

    private static SynthesisRequest ofTenant(String tenant) {
        SynthesisRequest warmUp = WarmUp.syncRequest(0, NOW);
        return new SynthesisRequest(warmUp.jobId(), warmUp.kind(), warmUp.text(), warmUp.speakerId(),
                warmUp.maxAudioLengthMs(), warmUp.sampling(), warmUp.format(), tenant, warmUp.requestedAt(),
                warmUp.deadline(), null, null, null, null);
    }

    private JobStatus foldAcceptedThenSucceeded(SynthesisRequest request) {
        JobStatus accepted = table.fold(JobStatus.unknown(null), JobEvent.accepted(request, NOW));
        return table.fold(accepted, JobEvent.succeeded(request, "w", "m", RESULT, NOW.plusMillis(100)));
    }

    @Test
    void aWarmUpJobsRowIsRemovedWhenItEndsAndCounted() {
        assertThat(foldAcceptedThenSucceeded(ofTenant(WarmUp.TENANT))).isNull();
        assertThat(table.ended()).isEqualTo(1);
    }

    @Test
    void aWarmUpJobsRowStaysWhileItRuns() {
        JobStatus accepted = table.fold(JobStatus.unknown(null), JobEvent.accepted(ofTenant(WarmUp.TENANT), NOW));

        assertThat(accepted.state()).isEqualTo(JobState.QUEUED);
        assertThat(table.ended()).isZero();
    }

    @Test
    void anyOtherTenantsJobKeepsItsRowWhenItEnds() {
        JobStatus ended = foldAcceptedThenSucceeded(ofTenant("default"));

        assertThat(ended.state()).isEqualTo(JobState.SUCCEEDED);
        assertThat(table.ended()).isZero();
    }
}
