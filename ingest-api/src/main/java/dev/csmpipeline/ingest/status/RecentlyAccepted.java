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

    public void put(JobStatus status) {
        Instant now = Instant.now();
        jobs.put(status.jobId(), new Entry(status, now));
        if (jobs.size() > 1_000) {
            jobs.values().removeIf(e -> e.at().isBefore(now.minus(KEEP)));
        }
    }

    public Optional<JobStatus> get(String jobId) {
        Entry e = jobs.get(jobId);
        return e == null || e.at().isBefore(Instant.now().minus(KEEP)) ? Optional.empty() : Optional.of(e.status());
    }
}
