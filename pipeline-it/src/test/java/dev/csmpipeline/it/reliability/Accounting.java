package dev.csmpipeline.it.reliability;

import dev.csmpipeline.model.EventType;
import dev.csmpipeline.model.JobEvent;
import dev.csmpipeline.model.Topics;
import dev.csmpipeline.testsupport.TopicRecords;
import dev.csmpipeline.worker.WorkerProperties;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The books of a fault test, read from the events topic itself: for every accepted job, whether it reached a
 * terminal state, and how many different results (audio SHA-256s) it was announced with; and the workers' lag.
 */
final class Accounting {

    /** What the events say about one job. */
    static final class Job {
        final Set<EventType> types = new HashSet<>();
        final Set<String> results = new HashSet<>();
        int starts;
        java.time.Instant acceptedAt;
        java.time.Instant finishedAt;

        boolean terminal() {
            return types.contains(EventType.SUCCEEDED) || types.contains(EventType.FAILED)
                    || types.contains(EventType.CANCELLED);
        }
    }

    /** The books after a run. */
    record Books(int accepted, int terminal, int succeeded, int failed, int cancelled, int redelivered,
                 List<String> open, List<String> twoResults, long lag, List<Long> latenciesMs) {

        @Override
        public String toString() {
            return "accepted=" + accepted + " terminal=" + terminal + " succeeded=" + succeeded + " failed=" + failed
                    + " cancelled=" + cancelled + " restarted_after_a_fault=" + redelivered + " open=" + open.size()
                    + " with_two_results=" + twoResults.size() + " worker_lag=" + lag;
        }

        /** The {@code q} quantile of accepted-to-terminal latency, in ms. */
        long latencyQuantile(double q) {
            return latenciesMs.isEmpty() ? -1
                    : latenciesMs.get(Math.min(latenciesMs.size() - 1, (int) Math.floor(q * latenciesMs.size())));
        }
    }

    private Accounting() {
    }

    static Books of(String bootstrap, Set<String> accepted) {
        Map<String, Job> jobs = read(bootstrap, accepted);
        int terminal = 0;
        int succeeded = 0;
        int failed = 0;
        int cancelled = 0;
        int redelivered = 0;
        List<String> open = new ArrayList<>();
        List<String> twoResults = new ArrayList<>();
        List<Long> latencies = new ArrayList<>();
        for (String id : accepted) {
            Job j = jobs.get(id);
            if (j.terminal()) {
                terminal++;
            } else {
                open.add(id);
            }
            succeeded += j.types.contains(EventType.SUCCEEDED) ? 1 : 0;
            failed += j.types.contains(EventType.FAILED) ? 1 : 0;
            cancelled += j.types.contains(EventType.CANCELLED) ? 1 : 0;
            redelivered += j.starts > 1 ? 1 : 0;
            if (j.results.size() > 1) {
                twoResults.add(id);
            }
            if (j.acceptedAt != null && j.finishedAt != null) {
                latencies.add(Duration.between(j.acceptedAt, j.finishedAt).toMillis());
            }
        }
        latencies.sort(null);
        return new Books(accepted.size(), terminal, succeeded, failed, cancelled, redelivered, open, twoResults,
                lag(bootstrap), latencies);
    }

    private static Map<String, Job> read(String bootstrap, Set<String> ids) {
        Map<String, Job> jobs = new HashMap<>();
        ids.forEach(id -> jobs.put(id, new Job()));
        for (JobEvent e : TopicRecords.events(bootstrap, ids::contains)) {
            Job j = jobs.get(e.jobId());
            j.types.add(e.type());
            if (e.type() == EventType.STARTED) {
                j.starts++;
            }
            if (e.type() == EventType.SUCCEEDED && e.result() != null) {
                j.results.add(e.result().sha256());
            }
            if (e.type() == EventType.ACCEPTED) {
                j.acceptedAt = e.at();
            }
            if (e.type().isTerminal() && j.finishedAt == null) {
                j.finishedAt = e.at();
            }
        }
        return jobs;
    }

    /** Requests not yet consumed by the worker groups, over both request topics. */
    static long lag(String bootstrap) {
        return TopicRecords.lag(bootstrap, WorkerProperties.DEFAULT_GROUP_ID, Topics.REQUESTS)
                + TopicRecords.lag(bootstrap, WorkerProperties.interactiveGroupId(WorkerProperties.DEFAULT_GROUP_ID),
                Topics.REQUESTS_INTERACTIVE);
    }
}
