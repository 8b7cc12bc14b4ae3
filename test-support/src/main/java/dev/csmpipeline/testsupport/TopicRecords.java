package dev.csmpipeline.testsupport;

import dev.csmpipeline.model.JobEvent;
import dev.csmpipeline.model.Topics;
import dev.csmpipeline.model.WireJson;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Predicate;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.GroupState;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;

/**
 * Reads a topic the way a test checks it: every committed record from the start of each partition up to where the
 * partition ended when the read began, with no consumer group (so no rebalance to wait for). What was acknowledged
 * before the call is in the answer; wrap the call in Awaitility for what is still on its way.
 */
public final class TopicRecords {

    private static final Duration READ_LIMIT = Duration.ofSeconds(30);

    private TopicRecords() {
    }

    /** Every committed record of {@code topic}. */
    public static List<ConsumerRecord<String, byte[]>> read(String bootstrap, String topic) {
        return read(bootstrap, topic, key -> true);
    }

    /** The committed records of {@code topic} whose key passes {@code keys} (a null key never does). */
    public static List<ConsumerRecord<String, byte[]>> read(String bootstrap, String topic, Predicate<String> keys) {
        List<ConsumerRecord<String, byte[]>> out = new ArrayList<>();
        try (KafkaConsumer<String, byte[]> c = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed",
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false), new StringDeserializer(),
                new ByteArrayDeserializer())) {
            List<TopicPartition> partitions = c.partitionsFor(topic, READ_LIMIT).stream()
                    .map(p -> new TopicPartition(topic, p.partition())).toList();
            c.assign(partitions);
            c.seekToBeginning(partitions);
            // Under read_committed these are the last stable offsets: nothing of an open transaction is waited for.
            Map<TopicPartition, Long> ends = c.endOffsets(partitions, READ_LIMIT);
            long deadline = System.nanoTime() + READ_LIMIT.toNanos();
            while (!partitions.stream().allMatch(p -> c.position(p) >= ends.get(p))) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("could not read " + topic + " to its end " + ends + " within "
                            + READ_LIMIT.toSeconds() + " s: is the broker at " + bootstrap + " up?");
                }
                c.poll(Duration.ofMillis(200)).forEach(r -> {
                    if (r.key() != null && keys.test(r.key())) {
                        out.add(r);
                    }
                });
            }
        }
        return out;
    }

    /** How many partitions {@code topic} has. */
    public static int partitions(String bootstrap, String topic) {
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap))) {
            return admin.describeTopics(List.of(topic)).allTopicNames().get(READ_LIMIT.toSeconds(), TimeUnit.SECONDS)
                    .get(topic).partitions().size();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        } catch (ExecutionException | TimeoutException e) {
            throw new IllegalStateException("could not describe topic " + topic + ": " + e, e);
        }
    }

    /**
     * Whether consumer group {@code group} is stable (no rebalance under way) with every partition of {@code topic}
     * held by a member. A test waits for this before timing what the group does.
     */
    public static boolean fullyAssigned(String bootstrap, String group, String topic) {
        return membersHoldingAll(bootstrap, group, topic) > 0;
    }

    /**
     * How many members of consumer group {@code group}, stable, hold partitions of {@code topic} between them all; -1
     * while the group is not stable or some partition of the topic is held by none.
     */
    public static int membersHoldingAll(String bootstrap, String group, String topic) {
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap))) {
            ConsumerGroupDescription d = admin.describeConsumerGroups(List.of(group)).describedGroups().get(group)
                    .get(READ_LIMIT.toSeconds(), TimeUnit.SECONDS);
            int partitions = admin.describeTopics(List.of(topic)).allTopicNames()
                    .get(READ_LIMIT.toSeconds(), TimeUnit.SECONDS).get(topic).partitions().size();
            long held = d.members().stream().flatMap(m -> m.assignment().topicPartitions().stream())
                    .filter(tp -> tp.topic().equals(topic)).count();
            return d.groupState() == GroupState.STABLE && held == partitions ? d.members().size() : -1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        } catch (ExecutionException | TimeoutException e) {
            throw new IllegalStateException("could not describe group " + group + ": " + e, e);
        }
    }

    /** Records of {@code topic} that consumer group {@code group} has not yet committed its way past. */
    public static long lag(String bootstrap, String group, String topic) {
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap))) {
            Map<TopicPartition, OffsetAndMetadata> committed = admin.listConsumerGroupOffsets(group)
                    .partitionsToOffsetAndMetadata().get(READ_LIMIT.toSeconds(), TimeUnit.SECONDS);
            Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
            admin.describeTopics(List.of(topic)).allTopicNames().get(READ_LIMIT.toSeconds(), TimeUnit.SECONDS)
                    .get(topic).partitions().forEach(p -> latest.put(new TopicPartition(topic, p.partition()),
                            OffsetSpec.latest()));
            long lag = 0;
            for (var e : admin.listOffsets(latest).all().get(READ_LIMIT.toSeconds(), TimeUnit.SECONDS).entrySet()) {
                OffsetAndMetadata c = committed.get(e.getKey());
                lag += e.getValue().offset() - (c == null ? 0 : c.offset());
            }
            return lag;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        } catch (ExecutionException | TimeoutException e) {
            throw new IllegalStateException("could not read the offsets of group " + group + " on " + topic + ": "
                    + e, e);
        }
    }

    /** The job events ({@link Topics#EVENTS}) of the jobs whose id passes {@code jobIds}, in each job's order. */
    public static List<JobEvent> events(String bootstrap, Predicate<String> jobIds) {
        return read(bootstrap, Topics.EVENTS, jobIds).stream().map(r -> WireJson.decode(r.value(), JobEvent.class))
                .toList();
    }
}
