package dev.csmpipeline.worker.jobs;

import dev.csmpipeline.model.JobKind;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.TimeUnit;

/** The worker's meters: jobs by outcome, synthesis time and real-time factor, queue wait, audio produced. */
public final class WorkerMetrics {

    private final MeterRegistry registry;
    private final Timer synthesis;
    private final DistributionSummary rtf;
    private final Timer queueWait;
    private final Counter audioSeconds;

    public WorkerMetrics(MeterRegistry registry) {
        this.registry = registry;
        this.synthesis = Timer.builder("tts.synthesis.duration").description("engine time per job")
                .publishPercentiles(0.5, 0.99).register(registry);
        this.rtf = DistributionSummary.builder("tts.synthesis.rtf")
                .description("real-time factor: synthesis time divided by audio duration (below 1 is faster than "
                        + "real time)").publishPercentiles(0.5, 0.99).register(registry);
        this.queueWait = Timer.builder("tts.queue.wait").description("time from acceptance to synthesis start")
                .publishPercentiles(0.5, 0.99).register(registry);
        this.audioSeconds = Counter.builder("tts.audio.seconds").description("seconds of audio synthesized")
                .register(registry);
    }

    void synthesized(long synthNanos, long audioMs) {
        synthesis.record(synthNanos, TimeUnit.NANOSECONDS);
        if (audioMs > 0) {
            rtf.record(synthNanos / 1e6 / audioMs);
            audioSeconds.increment(audioMs / 1000.0);
        }
    }

    void queueWait(Instant requestedAt, Instant startedAt) {
        if (requestedAt != null && !startedAt.isBefore(requestedAt)) {
            queueWait.record(Duration.between(requestedAt, startedAt));
        }
    }

    void finished(String outcome, JobKind kind) {
        Counter.builder("tts.worker.jobs").description("jobs finished by this worker")
                .tag("outcome", outcome).tag("kind", kind == null ? "unknown" : kind.name().toLowerCase())
                .register(registry).increment();
    }
}
