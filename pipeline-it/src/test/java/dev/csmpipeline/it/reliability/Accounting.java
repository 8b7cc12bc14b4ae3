package dev.csmpipeline.it.reliability;

import dev.csmpipeline.model.EventType;
import dev.csmpipeline.model.JobEvent;
import dev.csmpipeline.model.Topics;
import dev.csmpipeline.model.WireJson;
import dev.csmpipeline.worker.WorkerProperties;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;

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

    static Books of(String bootstrap, Set<String> accepted) throws Exception {
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
        try (KafkaConsumer<String, byte[]> c = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                ConsumerConfig.GROUP_ID_CONFIG, "books-" + UUID.randomUUID(),
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest",
                ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 5_000), new StringDeserializer(),
                new ByteArrayDeserializer())) {
            c.subscribe(List.of(Topics.EVENTS));
            long end = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (System.nanoTime() < end) {
                c.poll(Duration.ofMillis(300)).forEach(r -> {
                    Job j = jobs.get(r.key());
                    if (j != null) {
                        JobEvent e = WireJson.decode(r.value(), JobEvent.class);
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
                });
                if (!c.assignment().isEmpty() && c.endOffsets(c.assignment()).entrySet().stream()
                        .allMatch(e -> c.position(e.getKey()) >= e.getValue())) {
                    break;
                }
            }
        }
        return jobs;
    }

    /** Requests not yet consumed by the worker groups, over both request topics. */
    static long lag(String bootstrap) throws Exception {
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", bootstrap))) {
            Map<TopicPartition, OffsetAndMetadata> committed = new HashMap<>();
            for (String group : List.of(WorkerProperties.DEFAULT_GROUP_ID,
                    WorkerProperties.interactiveGroupId(WorkerProperties.DEFAULT_GROUP_ID))) {
                committed.putAll(admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata()
                        .get(10, TimeUnit.SECONDS));
            }
            Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
            for (String topic : List.of(Topics.REQUESTS, Topics.REQUESTS_INTERACTIVE)) {
                admin.describeTopics(List.of(topic)).allTopicNames().get(10, TimeUnit.SECONDS).get(topic)
                        .partitions().forEach(p -> latest.put(new TopicPartition(topic, p.partition()),
                                OffsetSpec.latest()));
            }
            long lag = 0;
            for (var e : admin.listOffsets(latest).all().get(10, TimeUnit.SECONDS).entrySet()) {
                OffsetAndMetadata c = committed.get(e.getKey());
                lag += e.getValue().offset() - (c == null ? 0 : c.offset());
            }
            return lag;
        }
    }
}
