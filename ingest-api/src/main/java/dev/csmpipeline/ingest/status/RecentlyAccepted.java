package dev.csmpipeline.ingest.status;

import dev.csmpipeline.model.JobStatus;
import java.time.Clock;
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
    private final Clock clock;

    public RecentlyAccepted(Clock clock) {
        this.clock = clock;
    }

    /**
     * Takes a tenant's Idempotency-Key for {@code status}'s job, or returns the job it already names here: a quick
     * retry to this instance finds the first job even before the idempotency table has it.
     */
    public Optional<JobStatus> putIfAbsent(String tenant, String idempotencyKey, JobStatus status) {
        Instant now = clock.instant();
        Entry[] earlier = new Entry[1];
        byIdempotencyKey.compute(key(tenant, idempotencyKey), (k, e) -> {
            if (e != null && !isOld(e, now)) {
                earlier[0] = e;
                return e;
            }
            return new Entry(status, now);
        });
        if (earlier[0] != null) {
            return Optional.of(earlier[0].status());
        }
        put(status);
        return Optional.empty();
    }

    /** Forgets a key whose job could not be written, so a retry can create it. */
    public void forgetIdempotencyKey(String tenant, String idempotencyKey, String jobId) {
        byIdempotencyKey.computeIfPresent(key(tenant, idempotencyKey),
                (k, e) -> e.status().jobId().equals(jobId) ? null : e);
        jobs.remove(jobId);
    }

    public void put(JobStatus status) {
        Instant now = clock.instant();
        jobs.put(status.jobId(), new Entry(status, now));
        if (jobs.size() > 1_000) {
            jobs.values().removeIf(e -> isOld(e, now));
            byIdempotencyKey.values().removeIf(e -> isOld(e, now));
        }
    }

    public Optional<JobStatus> get(String jobId) {
        Entry e = jobs.get(jobId);
        return e == null || isOld(e, clock.instant()) ? Optional.empty() : Optional.of(e.status());
    }

    private static boolean isOld(Entry e, Instant now) {
        return e.at().isBefore(now.minus(KEEP));
    }

    private static String key(String tenant, String idempotencyKey) {
        return tenant + "\u0000" + idempotencyKey;
    }
}
