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
 * @param groupProtocol    {@code consumer} (KIP-848, Kafka 4.0+ brokers: a busy member never holds up a rebalance)
 *                         or {@code classic} (older brokers; cooperative-sticky assignment) (WORKER_GROUP_PROTOCOL)
 */
@ConfigurationProperties("worker")
public record WorkerProperties(String id, String groupId, Integer slots, Integer prefetch, Duration progressInterval,
                               Duration maxJobDuration, Duration shutdownGrace, Duration storageRetryFor,
                               Integer recordAttempts, String groupProtocol) {

    public static final String DEFAULT_GROUP_ID = "tts-workers";

    public WorkerProperties {
        id = id == null || id.isBlank() ? defaultId() : id;
        groupId = groupId == null || groupId.isBlank() ? DEFAULT_GROUP_ID : groupId;
        slots = slots == null || slots < 1 ? 1 : slots;
        prefetch = prefetch == null || prefetch < 0 ? 1 : prefetch;
        progressInterval = progressInterval == null ? Duration.ofMillis(250) : progressInterval;
        maxJobDuration = maxJobDuration == null ? Duration.ofMinutes(30) : maxJobDuration;
        shutdownGrace = shutdownGrace == null ? Duration.ofSeconds(30) : shutdownGrace;
        storageRetryFor = storageRetryFor == null ? Duration.ofSeconds(90) : storageRetryFor;
        recordAttempts = recordAttempts == null || recordAttempts < 1 ? 3 : recordAttempts;
        groupProtocol = groupProtocol == null || groupProtocol.isBlank() ? "consumer" : groupProtocol.strip();
        if (!groupProtocol.equals("consumer") && !groupProtocol.equals("classic")) {
            throw new IllegalArgumentException("WORKER_GROUP_PROTOCOL must be consumer or classic, was '"
                    + groupProtocol + "'");
        }
    }

    /** Consumer threads per request topic: one per slot, plus the prefetch. */
    public int consumersPerTopic() {
        return slots + prefetch;
    }

    private static String defaultId() {
        String id = System.getenv("INSTANCE_ID");
        if (id == null || id.isBlank()) {
            id = System.getenv("HOSTNAME");
        }
        return id == null || id.isBlank() ? "worker-" + ProcessHandle.current().pid() : id;
    }
}
