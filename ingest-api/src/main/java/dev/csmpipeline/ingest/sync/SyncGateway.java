package dev.csmpipeline.ingest.sync;

import dev.csmpipeline.ingest.jobs.RequestPartitions;
import dev.csmpipeline.ingest.jobs.RequestPublisher;
import dev.csmpipeline.model.JobEvent;
import dev.csmpipeline.model.SynthesisReply;
import dev.csmpipeline.model.SynthesisRequest;
import dev.csmpipeline.model.Topics;
import dev.csmpipeline.model.WarmUp;
import dev.csmpipeline.model.WireHeaders;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;
import org.springframework.kafka.core.KafkaTemplate;
import org.springframework.kafka.requestreply.ReplyingKafkaTemplate;
import org.springframework.kafka.requestreply.RequestReplyFuture;

/**
 * Request-reply over Kafka for sync calls: the request goes to {@link Topics#REQUESTS_INTERACTIVE} with this
 * instance's reply topic and partition in its headers, and the caller waits for the worker's
 * {@link SynthesisReply} on {@link Topics#REPLIES}. Each instance reads its own reply partition; a reply that
 * arrives after its caller gave up, or belongs to an instance sharing the partition, is dropped. A warm-up call
 * ({@link WarmUp}) takes the same path with its request written to {@link Topics#WARM_UP} instead, so no worker ever
 * gets it, and its end and reply written by {@link WarmUpReplies}; its events go to the job events topic, where the
 * status table folds and then forgets them ({@code WarmUpStatus}).
 */
public class SyncGateway implements SmartLifecycle {

    private static final Logger log = LoggerFactory.getLogger(SyncGateway.class);

    /** Why a sync call got no reply. */
    public enum Failure { TIMEOUT, KAFKA_UNAVAILABLE, SHUTTING_DOWN }

    /** A sync call that got no reply. */
    public static final class SyncFailure extends RuntimeException {
        private final Failure failure;

        SyncFailure(Failure failure, String message, Throwable cause) {
            super(message, cause);
            this.failure = failure;
        }

        public Failure failure() {
            return failure;
        }
    }

    private static final long SEND_WAIT_S = 15;

    private final ReplyingKafkaTemplate<String, Object, SynthesisReply> replying;
    private final KafkaTemplate<String, Object> events;
    private final RequestPartitions partitions;
    private final WarmUpReplies warmUpReplies;
    private final Set<CompletableFuture<?>> pending = ConcurrentHashMap.newKeySet();

    private volatile boolean running;

    public SyncGateway(ReplyingKafkaTemplate<String, Object, SynthesisReply> replying,
                       KafkaTemplate<String, Object> events, RequestPartitions partitions,
                       WarmUpReplies warmUpReplies) {
        this.replying = replying;
        this.events = events;
        this.partitions = partitions;
        this.warmUpReplies = warmUpReplies;
    }

    /**
     * Publishes the request, then its {@code accepted} event, and waits up to {@code wait} for the reply.
     *
     * @throws SyncFailure when no reply came: timeout, Kafka unavailable, or this instance stopping
     */
    public SynthesisReply call(SynthesisRequest request, JobEvent accepted, Duration wait) {
        CompletableFuture<SynthesisReply> reply = send(request, accepted, wait);
        try {
            return reply.get(wait.toMillis() + 1_000, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new SyncFailure(Failure.SHUTTING_DOWN, "interrupted while waiting for the reply", e);
        } catch (TimeoutException e) {
            throw timeout(request, wait, e);
        } catch (ExecutionException e) {
            throw failureOf(request, wait, e.getCause());
        }
    }

    /**
     * Publishes the request, then its {@code accepted} event, and returns the reply to come (within {@code wait};
     * it completes with a {@link SyncFailure} otherwise). For callers that do something else while the job runs,
     * such as relaying its audio chunks.
     *
     * @throws SyncFailure when the request could not be written (Kafka unavailable) or this instance is stopping
     */
    public CompletableFuture<SynthesisReply> send(SynthesisRequest request, JobEvent accepted, Duration wait) {
        if (!running) {
            throw new SyncFailure(Failure.SHUTTING_DOWN, "this ingest instance is shutting down; retry", null);
        }
        boolean warmUp = WarmUp.isWarmUp(request);
        RequestReplyFuture<String, Object, SynthesisReply> future;
        try {
            ProducerRecord<String, Object> record = warmUp
                    ? new ProducerRecord<>(Topics.WARM_UP, request.jobId(), request)
                    : RequestPublisher.record(request, partitions);
            record.headers().add(WireHeaders.CORRELATION_ID, request.jobId().getBytes(StandardCharsets.UTF_8));
            future = replying.sendAndReceive(record, wait);
        } catch (RuntimeException e) {
            throw new SyncFailure(Failure.KAFKA_UNAVAILABLE, "the request could not be written to Kafka: " + e, e);
        }
        pending.add(future);
        CompletableFuture<SynthesisReply> reply = future.handle((r, e) -> {
            pending.remove(future);
            if (e != null) {
                throw failureOf(request, wait, e instanceof java.util.concurrent.CompletionException
                        && e.getCause() != null ? e.getCause() : e);
            }
            return r.value();
        });
        try {
            // Longer than the producer's delivery timeout (10 s), so a broker that is down fails the send (503)
            // instead of timing out this wait (504).
            future.getSendFuture().get(SEND_WAIT_S, TimeUnit.SECONDS);
            // ACCEPTED only once the request is in Kafka: a status row never says QUEUED for a request that was not
            // written. The worker may already be running it; the status fold takes the events in any order.
            events.send(Topics.EVENTS, accepted.jobId(), accepted).get(SEND_WAIT_S, TimeUnit.SECONDS);
            if (warmUp) {
                warmUpReplies.answer(request);
            }
            return reply;
        } catch (org.springframework.kafka.KafkaException e) {
            // A send that cannot even start (no metadata within max.block.ms) throws here rather than failing later.
            future.cancel(true);
            throw new SyncFailure(Failure.KAFKA_UNAVAILABLE, "the request could not be written to Kafka: " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            future.cancel(true);
            throw new SyncFailure(Failure.SHUTTING_DOWN, "interrupted while sending the request", e);
        } catch (TimeoutException | ExecutionException e) {
            future.cancel(true);
            Throwable cause = e instanceof ExecutionException ? e.getCause() : e;
            throw new SyncFailure(Failure.KAFKA_UNAVAILABLE, "the request could not be written to Kafka: "
                    + cause, cause);
        }
    }

    private static SyncFailure failureOf(SynthesisRequest request, Duration wait, Throwable cause) {
        if (cause instanceof SyncFailure f) {
            return f;
        }
        if (cause instanceof org.springframework.kafka.requestreply.KafkaReplyTimeoutException) {
            return timeout(request, wait, cause);
        }
        return new SyncFailure(Failure.KAFKA_UNAVAILABLE, "the request could not be written to Kafka: " + cause,
                cause);
    }

    private static SyncFailure timeout(SynthesisRequest request, Duration wait, Throwable cause) {
        log.warn("event=sync_timeout job={} waited_ms={}", request.jobId(), wait.toMillis());
        return new SyncFailure(Failure.TIMEOUT, "no worker answered within " + wait.toSeconds() + " s; the job "
                + request.jobId() + " may still finish, see /v1/jobs/" + request.jobId(), cause);
    }

    @Override
    public void start() {
        running = true;
    }

    /** Fails the calls still waiting, at once, so the web server's graceful shutdown does not hang on them. */
    @Override
    public void stop() {
        running = false;
        for (CompletableFuture<?> f : pending) {
            f.completeExceptionally(new SyncFailure(Failure.SHUTTING_DOWN,
                    "this ingest instance is shutting down; the job may still finish, retry or poll its status",
                    null));
        }
        if (!pending.isEmpty()) {
            log.info("event=sync_calls_failed_on_shutdown count={}", pending.size());
        }
    }

    @Override
    public boolean isRunning() {
        return running;
    }

    /** Stops before the web server's graceful shutdown, which waits for requests in progress. */
    @Override
    public int getPhase() {
        return Integer.MAX_VALUE - 10;
    }
}
