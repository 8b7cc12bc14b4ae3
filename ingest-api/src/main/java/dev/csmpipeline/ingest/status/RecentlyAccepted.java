package dev.csmpipeline.ingest.status;

import dev.csmpipeline.model.JobStatus;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Jobs this instance accepted in the last minute, so a status query that follows a submit at once finds its job
 * even before the status table has folded the ACCEPTED event (read your own write).
 */
public class RecentlyAccepted {

    private static final Duration KEEP = Duration.ofMinutes(1);

    private record Entry(JobStatus status, Instant at) {
    }

    private final Map<String, Entry> jobs = new ConcurrentHashMap<>();
    private final Map<String, Entry> byIdempotencyKey = new ConcurrentHashMap<>();

    /**
     * Remembers the job a tenant's Idempotency-Key created, or returns the job it already created here: a quick
     * retry to this instance finds the first job even before the idempotency table has it.
     */
    public Optional<JobStatus> putIfAbsent(String tenant, String idempotencyKey, JobStatus status) {
        Instant now = Instant.now();
        Entry previous = byIdempotencyKey.putIfAbsent(tenant + "\u0000" + idempotencyKey, new Entry(status, now));
        if (previous == null || previous.at().isBefore(now.minus(KEEP))) {
            if (previous != null) {
                byIdempotencyKey.put(tenant + "\u0000" + idempotencyKey, new Entry(status, now));
            }
            put(status);
            return Optional.empty();
        }
        return Optional.of(previous.status());
    }

    /** Forgets a key whose job could not be written, so a retry can create it. */
    public void forgetIdempotencyKey(String tenant, String idempotencyKey, String jobId) {
        byIdempotencyKey.computeIfPresent(tenant + "\u0000" + idempotencyKey,
                (k, e) -> e.status().jobId().equals(jobId) ? null : e);
        jobs.remove(jobId);
    }

    /** The job a tenant's Idempotency-Key created on this instance within the last minute. */
    public Optional<JobStatus> byIdempotencyKey(String tenant, String idempotencyKey) {
        Entry e = byIdempotencyKey.get(tenant + "\u0000" + idempotencyKey);
        return e == null || e.at().isBefore(Instant.now().minus(KEEP)) ? Optional.empty() : Optional.of(e.status());
    }

    public void put(JobStatus status) {
        Instant now = Instant.now();
        jobs.put(status.jobId(), new Entry(status, now));
        if (jobs.size() > 1_000) {
            jobs.values().removeIf(e -> e.at().isBefore(now.minus(KEEP)));
            byIdempotencyKey.values().removeIf(e -> e.at().isBefore(now.minus(KEEP)));
        }
    }

    public Optional<JobStatus> get(String jobId) {
        Entry e = jobs.get(jobId);
        return e == null || e.at().isBefore(Instant.now().minus(KEEP)) ? Optional.empty() : Optional.of(e.status());
    }
}
