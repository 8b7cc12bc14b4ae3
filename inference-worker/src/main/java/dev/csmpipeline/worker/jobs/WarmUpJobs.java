package dev.csmpipeline.worker.jobs;

import dev.csmpipeline.model.SynthesisRequest;
import dev.csmpipeline.model.Topics;
import dev.csmpipeline.model.WarmUp;
import dev.csmpipeline.model.WireHeaders;
import dev.csmpipeline.service.StartupWarmUp;
import dev.csmpipeline.storage.client.ObjectStorage;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Headers;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.kafka.config.KafkaListenerEndpointRegistry;
import org.springframework.kafka.core.KafkaTemplate;
import org.springframework.kafka.listener.GenericMessageListener;
import org.springframework.kafka.listener.MessageListenerContainer;
import org.springframework.kafka.support.Acknowledgment;

/**
 * Sync jobs the worker runs through its own job path before it reports ready, in two steps:
 * <ol>
 *   <li>{@link #step}: jobs handed to the interactive listener container's own message listener (Spring Kafka's
 *   adapter, argument resolution, {@link SynthesisListener}) as a record from Kafka would be, then validation, the
 *   storage lookup, a synthesis slot, the engine, the WAV, the inline reply, the upload and the terminal event,
 *   awaited;</li>
 *   <li>{@link #throughConsumer}: one warm-up request written to each interactive partition the worker has been
 *   assigned, which its own consumer fetches and its container hands on: the part of a real job's way that only a
 *   record from the broker runs (the fetch's record iterator, the container's record loop, its observation and
 *   acknowledgement, the commit), and each partition's first append on the broker.</li>
 * </ol>
 * The code is the serving code; only where a warm-up job's outcome goes differs ({@link Route}): events and replies
 * to {@link Topics#WARM_UP}, meters to a registry of their own, and each job's audio is deleted from the bucket once
 * it is stored. So the first real job runs code that has run, and no status, caller or metric ever sees a warm-up
 * job.
 */
public final class WarmUpJobs {

    private static final Logger log = LoggerFactory.getLogger(WarmUpJobs.class);
    private static final int WARM_UP_PARTITION = 0; // the warm-up topic has one
    /** How long {@link #throughConsumer} waits for the assignment, and then for each of its jobs. */
    static final Duration ASSIGNMENT_TIMEOUT = Duration.ofSeconds(30);
    static final Duration JOB_TIMEOUT = Duration.ofSeconds(30);
    private static final Duration POLL = Duration.ofMillis(5);

    /**
     * The serving job path as warm-up requests take it: {@code processor} is the serving processor whose outcomes go
     * to the warm-up topic, through {@code lifecycle}, which counts the warm-up jobs it has ended.
     */
    public record Route(JobProcessor processor, JobLifecycle lifecycle) {

        /** {@code serving} and its {@code lifecycle}, reporting to the warm-up topic and to meters of their own. */
        public static Route of(JobProcessor serving, JobLifecycle lifecycle, KafkaTemplate<String, Object> kafka) {
            EventPublisher events = new EventPublisher(kafka, Topics.WARM_UP);
            WorkerMetrics metrics = new WorkerMetrics(new SimpleMeterRegistry());
            JobLifecycle warmUpLifecycle = lifecycle.reportingTo(events, metrics);
            return new Route(serving.reportingTo(warmUpLifecycle, events, metrics), warmUpLifecycle);
        }
    }

    private final KafkaListenerEndpointRegistry listeners;
    private final ObjectStorage storage;
    private final Clock clock;

    public WarmUpJobs(KafkaListenerEndpointRegistry listeners, ObjectStorage storage, Clock clock) {
        this.listeners = listeners;
        this.storage = storage;
        this.clock = clock;
    }

    /**
     * On a batching worker ({@code rows} > 1), as many short jobs at once as there are rows (at most {@code calls}),
     * so the batch's join and leave run through the job path too; then one job for {@code fullCallMs} of audio (none
     * if 0: see {@link WarmUp#FULL_AUDIO_MS}), then {@code calls} short jobs one after the other, the shape of a first
     * call (measured, 5 cold starts each at WORKER_BATCH=4: a warm-up that ended with the full batch left the first
     * lone call's engine time 1.2-2.2x that of the next ones; ending with lone jobs, 1.0-1.6x).
     */
    public StartupWarmUp.Step step(int calls, int rows, int fullCallMs) {
        return new StartupWarmUp.Step("jobs " + calls + " x " + rows + " rows", () -> {
            int together = Math.min(rows, calls);
            if (together > 1) {
                runTogether(together);
            }
            if (fullCallMs > 0) {
                run(0, fullCallMs);
            }
            for (int i = 0; i < calls; i++) {
                run(i, WarmUp.AUDIO_MS);
            }
        });
    }

    /**
     * One warm-up request to each interactive partition assigned to this worker, written one at a time, each
     * awaited until {@code route} has ended it (a lone job, the shape of a first call). The worker's own consumer
     * fetches it, so the request goes the whole way a real one goes. It starts once each of the interactive
     * container's {@code consumers} has had its first assignment ({@code assignments}); a worker that got none (more
     * consumers than partitions) has nothing to do. Bounded: if the assignments have not come within
     * {@link #ASSIGNMENT_TIMEOUT}, or a job has not ended within {@link #JOB_TIMEOUT} (a rebalance moved its
     * partition to another worker, which then runs it as warm-up traffic too), the step stops there.
     */
    public StartupWarmUp.Step throughConsumer(Route route, KafkaTemplate<String, Object> kafka,
                                              FirstAssignments assignments, int consumers) {
        return new StartupWarmUp.Step("jobs through the consumer", () -> {
            List<TopicPartition> partitions = awaitAssignment(assignments, consumers);
            if (partitions.isEmpty()) {
                log.info("event=warm_up_through_consumer_skipped reason=no_interactive_partition_assigned");
            }
            for (int i = 0; i < partitions.size(); i++) {
                sendAndAwait(route, kafka, partitions.get(i), i);
            }
        });
    }

    /** The container's partitions once each of its {@code consumers} has had its first assignment (maybe none). */
    private List<TopicPartition> awaitAssignment(FirstAssignments assignments, int consumers) {
        StartupWarmUp.awaitUntil(() -> assignments.consumersAssigned() >= consumers, ASSIGNMENT_TIMEOUT, POLL,
                () -> assignments.consumersAssigned() + " of " + consumers + " interactive consumers had an "
                        + "assignment within " + ASSIGNMENT_TIMEOUT.toSeconds() + " s (the consumer group is "
                        + "rebalancing, or the topic is missing)");
        Collection<TopicPartition> assigned = interactiveContainer().getAssignedPartitions();
        return assigned == null ? List.of()
                : assigned.stream().sorted(Comparator.comparingInt(TopicPartition::partition)).toList();
    }

    private void sendAndAwait(Route route, KafkaTemplate<String, Object> kafka, TopicPartition partition, int call) {
        SynthesisRequest request = WarmUp.syncRequest(call, clock.instant());
        ProducerRecord<String, Object> record = new ProducerRecord<>(partition.topic(), partition.partition(),
                request.jobId(), request);
        warmUpReplyHeaders(record.headers(), request);
        long ended = route.lifecycle().jobsEnded();
        long t0 = System.nanoTime();
        try {
            EventPublisher.await(kafka.send(record), "warm-up request " + request.jobId());
            StartupWarmUp.awaitUntil(() -> route.lifecycle().jobsEnded() != ended, JOB_TIMEOUT, POLL,
                    () -> "warm-up job " + request.jobId() + " on " + partition + " did not end within "
                            + JOB_TIMEOUT.toSeconds() + " s (its partition moved?)");
        } finally {
            storage.delete(JobProcessor.objectKey(request));
        }
        log.info("event=warm_up_job job={} partition={} took_ms={}", request.jobId(), partition,
                (System.nanoTime() - t0) / 1_000_000);
    }

    /** Where a warm-up request's reply goes: the warm-up topic, never a caller's reply partition. */
    private static void warmUpReplyHeaders(Headers headers, SynthesisRequest request) {
        headers.add(WireHeaders.REPLY_TOPIC, Topics.WARM_UP.getBytes(StandardCharsets.UTF_8));
        headers.add(WireHeaders.REPLY_PARTITION, ByteBuffer.allocate(4).putInt(WARM_UP_PARTITION).array());
        headers.add(WireHeaders.CORRELATION_ID, request.jobId().getBytes(StandardCharsets.UTF_8));
    }

    private void runTogether(int n) {
        ExecutorService callers = Executors.newFixedThreadPool(n, r -> {
            Thread t = new Thread(r, "warm-up-job");
            t.setDaemon(true);
            return t;
        });
        try {
            List<CompletableFuture<?>> jobs = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                int call = i;
                jobs.add(CompletableFuture.runAsync(() -> run(call, WarmUp.AUDIO_MS), callers));
            }
            CompletableFuture.allOf(jobs.toArray(CompletableFuture[]::new)).join();
        } finally {
            callers.shutdownNow();
        }
    }

    /**
     * One warm-up job for {@code audioMs}, as the interactive listener gets it from Kafka: its reply goes to the
     * warm-up topic.
     */
    private void run(int call, int audioMs) {
        SynthesisRequest request = WarmUp.syncRequest(call, audioMs, clock.instant());
        ConsumerRecord<String, SynthesisRequest> record = new ConsumerRecord<>(Topics.REQUESTS_INTERACTIVE, 0, call,
                request.jobId(), request);
        warmUpReplyHeaders(record.headers(), request);
        RecordingAck ack = new RecordingAck();
        long t0 = System.nanoTime();
        try {
            interactiveListener().onMessage(record, ack, null);
        } finally {
            storage.delete(JobProcessor.objectKey(request));
        }
        if (!ack.acknowledged.get()) {
            throw new IllegalStateException("warm-up job " + request.jobId() + " was not finished (the worker is "
                    + "stopping?)");
        }
        log.info("event=warm_up_job job={} took_ms={}", request.jobId(), (System.nanoTime() - t0) / 1_000_000);
    }

    /** The message listener the interactive container hands each record to. */
    @SuppressWarnings("unchecked")
    private GenericMessageListener<ConsumerRecord<String, SynthesisRequest>> interactiveListener() {
        return (GenericMessageListener<ConsumerRecord<String, SynthesisRequest>>) interactiveContainer()
                .getContainerProperties().getMessageListener();
    }

    private MessageListenerContainer interactiveContainer() {
        MessageListenerContainer container = listeners.getListenerContainer(SynthesisListener.INTERACTIVE_ID);
        if (container == null) {
            throw new IllegalStateException("no listener container " + SynthesisListener.INTERACTIVE_ID);
        }
        return container;
    }

    /** Whether the listener committed the record, as it does once the job's terminal event is durable. */
    private static final class RecordingAck implements Acknowledgment {
        final AtomicBoolean acknowledged = new AtomicBoolean();

        @Override
        public void acknowledge() {
            acknowledged.set(true);
        }

        @Override
        public void nack(Duration sleep) {
            // handed back: left unacknowledged
        }
    }
}
