package dev.csmpipeline.ingest.streaming;

import dev.csmpipeline.model.SpeechChunk;
import dev.csmpipeline.model.Topics;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.OffsetAndTimestamp;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.utils.Utils;
import org.springframework.kafka.core.ConsumerFactory;

/**
 * The chunks of an async streaming job, for a listener on any instance: the worker writes them to the partition of
 * the job's key, so a consumer of its own (no group, nothing committed) reads that partition from the moment the job
 * was accepted and keeps the job's records. One per listener: async streams are few beside sync calls, and a
 * listener may come late (it then reads the chunks already written first).
 */
final class JobChunkReader implements ChunkSource {

    /** How far behind the API's clock a worker's may be. */
    private static final Duration CLOCK_SKEW = Duration.ofSeconds(30);

    private final Consumer<String, SpeechChunk> consumer;
    private final String jobId;
    private final Deque<SpeechChunk> buffered = new ArrayDeque<>();

    private JobChunkReader(Consumer<String, SpeechChunk> consumer, String jobId) {
        this.consumer = consumer;
        this.jobId = jobId;
    }

    /** Reads {@code jobId}'s chunks written since {@code acceptedAt}. */
    static JobChunkReader open(ConsumerFactory<String, SpeechChunk> consumers, String jobId, Instant acceptedAt) {
        Consumer<String, SpeechChunk> consumer = consumers.createConsumer(null, "stream-" + jobId);
        try {
            int partitions = consumer.partitionsFor(Topics.AUDIO_CHUNKS).size();
            TopicPartition tp = new TopicPartition(Topics.AUDIO_CHUNKS, partitionOf(jobId, partitions));
            consumer.assign(List.of(tp));
            // The end first: a chunk written after this has an offset at or past it, so none falls between the
            // two lookups. Timestamps are the worker's clock: allow it to run behind this instance's.
            long end = consumer.endOffsets(List.of(tp)).get(tp);
            OffsetAndTimestamp from = consumer.offsetsForTimes(Map.of(tp,
                    acceptedAt.minus(CLOCK_SKEW).toEpochMilli())).get(tp);
            consumer.seek(tp, from != null ? from.offset() : end);
            return new JobChunkReader(consumer, jobId);
        } catch (RuntimeException e) {
            consumer.close();
            throw e;
        }
    }

    /** The partition Kafka's default partitioner gives a record keyed {@code jobId} (murmur2 of the key). */
    static int partitionOf(String jobId, int partitions) {
        return Utils.toPositive(Utils.murmur2(jobId.getBytes(StandardCharsets.UTF_8))) % partitions;
    }

    @Override
    public SpeechChunk poll(Duration wait) {
        if (buffered.isEmpty()) {
            for (ConsumerRecord<String, SpeechChunk> r : consumer.poll(wait)) {
                if (jobId.equals(r.key()) && r.value() != null) {
                    buffered.add(r.value());
                }
            }
        }
        return buffered.poll();
    }

    @Override
    public void close() {
        consumer.close(Duration.ofSeconds(1));
    }
}
