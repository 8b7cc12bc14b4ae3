package dev.csmpipeline.worker;

import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * The worker, from WORKER_* environment variables.
 *
 * @param id               worker id in events and heartbeats (WORKER_ID; defaults to INSTANCE_ID or HOSTNAME)
 * @param groupId          Kafka consumer group of the fleet (WORKER_GROUP_ID)
 * @param slots            syntheses run at once (WORKER_SLOTS); one per GPU or per CPU worker is best
 * @param prefetch         jobs held ready beside the running ones (WORKER_PREFETCH): extra consumer threads per
 *                         request topic, so the next job is in hand while the last one uploads its audio and commits,
 *                         and the engine never waits for storage or Kafka; 0 turns it off
 * @param progressInterval least time between two PROGRESS events of a job (WORKER_PROGRESS_INTERVAL)
 * @param maxJobDuration   longest a job may take; sizes max.poll.interval.ms (WORKER_MAX_JOB_DURATION)
 * @param shutdownGrace    how long a stopping worker lets the job in hand finish before leaving it uncommitted
 *                         for another worker (WORKER_SHUTDOWN_GRACE); keep it below the pod's grace period
 * @param storageRetryFor  how long a failed audio upload is retried with back-off (WORKER_STORAGE_RETRY_FOR)
 * @param recordAttempts   deliveries of one record that fails unexpectedly before it is dead-lettered
 * @param groupProtocol    protocol of the bulk group: {@code consumer} (KIP-848, Kafka 4.0+ brokers: a busy member
 *                         never holds up a rebalance) or {@code classic} (older brokers; cooperative-sticky
 *                         assignment) (WORKER_GROUP_PROTOCOL)
 * @param interactiveGroupProtocol protocol of the interactive group, {@code <groupId>-interactive}
 *                         (WORKER_INTERACTIVE_GROUP_PROTOCOL): {@code classic} by default, because the KIP-848
 *                         consumer of kafka-clients 4.1 takes some 25 ms longer to hand over a fetched record
 *                         (KAFKA-19259), which a sync call would wait for; interactive jobs are short, so the
 *                         classic protocol's rebalance barrier costs little there
 * @param batch            bulk jobs that share every model step (WORKER_BATCH, continuous batching); above 1 the
 *                         engine steps {@code batch} bulk rows plus one row kept for sync calls, so a sync call
 *                         joins the running batch at the next frame; the slots then follow the batch
 * @param streamChunkFrames audio frames (80 ms each) per chunk of a streaming job (WORKER_STREAM_CHUNK_FRAMES): the
 *                         first audio is ready after this many frames; smaller chunks cost more decode calls
 */
@ConfigurationProperties("worker")
public record WorkerProperties(String id, String groupId, Integer slots, Integer prefetch, Duration progressInterval,
                               Duration maxJobDuration, Duration shutdownGrace, Duration storageRetryFor,
                               Integer recordAttempts, String groupProtocol, String interactiveGroupProtocol,
                               Integer batch, Integer streamChunkFrames) {

    public static final String DEFAULT_GROUP_ID = "tts-workers";
    /** Most bulk rows per batch: CSM-1B's full-context cache is 128 MiB a row in fp32, 16 rows 2 GiB. */
    public static final int MAX_BATCH = 14;
    /** Rows a batching worker keeps beside its batch for sync calls. */
    public static final int INTERACTIVE_ROWS = 1;

    public WorkerProperties {
        id = id == null || id.isBlank() ? defaultId() : id;
        groupId = groupId == null || groupId.isBlank() ? DEFAULT_GROUP_ID : groupId;
        batch = batch == null || batch < 1 ? 1 : batch;
        streamChunkFrames = streamChunkFrames == null || streamChunkFrames < 1 ? 2 : streamChunkFrames;
        if (batch > MAX_BATCH) {
            throw new IllegalArgumentException("WORKER_BATCH must be at most " + MAX_BATCH + " (rows share one "
                    + "engine's caches), was " + batch + ": run more workers for more streams");
        }
        // A batching worker runs one synthesis per bulk row; WORKER_SLOTS only matters without batching.
        slots = batch > 1 ? batch : slots == null || slots < 1 ? 1 : slots;
        prefetch = prefetch == null || prefetch < 0 ? 1 : prefetch;
        progressInterval = progressInterval == null ? Duration.ofMillis(250) : progressInterval;
        maxJobDuration = maxJobDuration == null ? Duration.ofMinutes(30) : maxJobDuration;
        shutdownGrace = shutdownGrace == null ? Duration.ofSeconds(30) : shutdownGrace;
        storageRetryFor = storageRetryFor == null ? Duration.ofSeconds(90) : storageRetryFor;
        recordAttempts = recordAttempts == null || recordAttempts < 1 ? 3 : recordAttempts;
        groupProtocol = protocol("WORKER_GROUP_PROTOCOL", groupProtocol, "consumer");
        interactiveGroupProtocol = protocol("WORKER_INTERACTIVE_GROUP_PROTOCOL", interactiveGroupProtocol, "classic");
    }

    /** The consumer group of the interactive request topic: its own, so each topic's group has its protocol. */
    public String interactiveGroupId() {
        return interactiveGroupId(groupId);
    }

    public static String interactiveGroupId(String groupId) {
        return groupId + "-interactive";
    }

    private static String protocol(String name, String value, String fallback) {
        String p = value == null || value.isBlank() ? fallback : value.strip();
        if (!p.equals("consumer") && !p.equals("classic")) {
            throw new IllegalArgumentException(name + " must be consumer or classic, was '" + p + "'");
        }
        return p;
    }

    /** Whether bulk jobs share model steps (WORKER_BATCH above 1). */
    public boolean batching() {
        return batch > 1;
    }

    /** Syntheses at once, of every priority: the slots, and a batching worker's interactive row. */
    public int totalSlots() {
        return batching() ? batch + INTERACTIVE_ROWS : slots;
    }

    /** Consumer threads on the bulk request topic: one per bulk slot, plus the prefetch. */
    public int consumersPerTopic() {
        return slots + prefetch;
    }

    /** Consumer threads on the interactive request topic: one per slot a sync call may take, plus the prefetch. */
    public int interactiveConsumers() {
        return totalSlots() + prefetch;
    }

    private static String defaultId() {
        String id = System.getenv("INSTANCE_ID");
        if (id == null || id.isBlank()) {
            id = System.getenv("HOSTNAME");
        }
        return id == null || id.isBlank() ? "worker-" + ProcessHandle.current().pid() : id;
    }
}
