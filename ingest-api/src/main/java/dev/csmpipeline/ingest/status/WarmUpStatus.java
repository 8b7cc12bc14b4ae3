package dev.csmpipeline.ingest.status;

import dev.csmpipeline.model.JobEvent;
import dev.csmpipeline.model.JobStatus;
import dev.csmpipeline.model.JobStatusFold;
import dev.csmpipeline.model.WarmUp;
import dev.csmpipeline.service.StartupWarmUp;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The status table's part in the ingest API's warm-up. The instance's own warm-up calls ({@link WarmUp}) write their
 * ACCEPTED and SUCCEEDED events to the job events topic, so the table's Kafka Streams thread folds a job's events
 * (fetch, deserialization, the fold, the store, its changelog) before the first real call, which otherwise paid for
 * that thread's first records while it ran: the classes it loaded set off the JIT compiler's largest compilation of
 * the start-up in the middle of the call. A warm-up job's row is removed as soon as its end is folded
 * ({@link #fold}), so no query ever lists one (no API key maps to the warm-up tenant either), and this counts them.
 */
public final class WarmUpStatus {

    private static final Duration POLL = Duration.ofMillis(10);

    private final AtomicLong ended = new AtomicLong();

    /**
     * The status after {@code event}, or null, which Kafka Streams takes as removing the row, when it ends a warm-up
     * job.
     */
    JobStatus fold(JobStatus current, JobEvent event) {
        JobStatus next = JobStatusFold.apply(current, event);
        if (WarmUp.TENANT.equals(next.tenant()) && next.isTerminal()) {
            ended.incrementAndGet();
            return null;
        }
        return next;
    }

    /** Warm-up jobs whose end this instance's table has folded since it started. */
    public long ended() {
        return ended.get();
    }

    /**
     * Waits until this instance's table has folded the end of a warm-up call, at most {@code timeout}: at start-up
     * its Kafka Streams thread may still be joining its group, and the events wait for it. Where another instance
     * holds the partitions the calls' events went to, the wait runs out and says so (the step is skipped).
     */
    public StartupWarmUp.Step caughtUp(Duration timeout) {
        return new StartupWarmUp.Step("status table caught up", () -> StartupWarmUp.awaitUntil(() -> ended.get() > 0,
                timeout, POLL, () -> "the status table folded no warm-up call's end within " + timeout.toSeconds()
                        + " s (its partitions are another instance's, or it is rebalancing)"));
    }
}
