package dev.csmpipeline.model;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * How one pipeline topic is created: partitions, replication and topic-level settings. {@link #plan} lists them
 * all, so the local stack, the services' admin clients and the deployment create the same topics.
 *
 * @param name        topic name
 * @param partitions  partition count
 * @param replication replication factor
 * @param configs     topic-level settings (cleanup policy, retention)
 */
public record TopicSpec(String name, int partitions, short replication, Map<String, String> configs) {

    /** Requests wait in the queue at most a week. */
    static final Duration REQUEST_RETENTION = Duration.ofDays(7);
    /** Replies only matter while a caller waits. */
    static final Duration REPLY_RETENTION = Duration.ofHours(1);
    /** Dead letters are kept two weeks for someone to look at them. */
    static final Duration DLT_RETENTION = Duration.ofDays(14);
    /** Cancellations must outlive the jobs they cancel. */
    static final Duration CONTROL_RETENTION = REQUEST_RETENTION;

    /**
     * The topics of the pipeline.
     *
     * @param requestPartitions partitions of the two request topics (the ceiling on busy workers)
     * @param otherPartitions   partitions of events, replies and control
     * @param replication       replication factor of every topic (1 on one machine, 3 in production)
     */
    public static List<TopicSpec> plan(int requestPartitions, int otherPartitions, short replication) {
        List<TopicSpec> specs = new ArrayList<>();
        specs.add(new TopicSpec(Topics.REQUESTS, requestPartitions, replication, retention(REQUEST_RETENTION)));
        specs.add(new TopicSpec(Topics.REQUESTS_INTERACTIVE, requestPartitions, replication,
                retention(REQUEST_RETENTION)));
        specs.add(new TopicSpec(Topics.EVENTS, otherPartitions, replication, retention(REQUEST_RETENTION.plusDays(7))));
        specs.add(new TopicSpec(Topics.REPLIES, otherPartitions, replication, retention(REPLY_RETENTION)));
        specs.add(new TopicSpec(Topics.AUDIO_CHUNKS, otherPartitions, replication, retention(REPLY_RETENTION)));
        specs.add(new TopicSpec(Topics.CONTROL, otherPartitions, replication, Map.of(
                "cleanup.policy", "compact,delete",
                "retention.ms", Long.toString(CONTROL_RETENTION.toMillis()))));
        specs.add(new TopicSpec(Topics.NARRATIONS_READY, otherPartitions, replication,
                retention(REQUEST_RETENTION)));
        specs.add(new TopicSpec(Topics.WORKERS, 1, replication, Map.of(
                "cleanup.policy", "compact,delete",
                "retention.ms", Long.toString(Duration.ofDays(1).toMillis()))));
        specs.add(new TopicSpec(Topics.WARM_UP, 1, replication, retention(REPLY_RETENTION)));
        for (String source : List.of(Topics.REQUESTS, Topics.REQUESTS_INTERACTIVE, Topics.EVENTS,
                Topics.NARRATIONS_READY)) {
            specs.add(new TopicSpec(Topics.dlt(source), 1, replication, retention(DLT_RETENTION)));
        }
        return specs;
    }

    private static Map<String, String> retention(Duration d) {
        return Map.of("retention.ms", Long.toString(d.toMillis()));
    }
}
