package dev.csmpipeline.worker;

import dev.csmpipeline.service.OneLineProducerListener;
import dev.csmpipeline.engine.SpeechEngine;
import dev.csmpipeline.model.ErrorCodes;
import dev.csmpipeline.worker.narration.NarrationChain;
import dev.csmpipeline.worker.voices.ContextLoader;
import dev.csmpipeline.worker.voices.VoiceEncoder;
import dev.csmpipeline.model.JobError;
import dev.csmpipeline.model.SynthesisRequest;
import dev.csmpipeline.model.Topics;
import dev.csmpipeline.model.WireSerde;
import dev.csmpipeline.service.WireProducers;
import dev.csmpipeline.storage.client.ObjectStorage;
import dev.csmpipeline.storage.client.StorageException;
import dev.csmpipeline.worker.control.CancellationRegistry;
import dev.csmpipeline.worker.fleet.HeartbeatPublisher;
import dev.csmpipeline.worker.jobs.EventPublisher;
import dev.csmpipeline.worker.jobs.FirstAssignments;
import dev.csmpipeline.worker.jobs.GracefulDrain;
import dev.csmpipeline.worker.jobs.IdleOffsetCommitter;
import dev.csmpipeline.worker.jobs.InvalidRequestException;
import dev.csmpipeline.worker.jobs.JobLifecycle;
import dev.csmpipeline.worker.jobs.JobProcessor;
import dev.csmpipeline.worker.jobs.WorkerMetrics;
import dev.csmpipeline.worker.streaming.ChunkPublisher;
import dev.csmpipeline.worker.jobs.PrioritySlots;
import dev.csmpipeline.worker.jobs.ShutdownState;
import dev.csmpipeline.worker.jobs.SynthesisListener;
import dev.csmpipeline.worker.jobs.WarmUpJobs;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Clock;
import java.util.HashMap;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.CooperativeStickyAssignor;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.kafka.autoconfigure.KafkaProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.kafka.config.ConcurrentKafkaListenerContainerFactory;
import org.springframework.kafka.config.KafkaListenerEndpointRegistry;
import org.springframework.kafka.core.DefaultKafkaConsumerFactory;
import org.springframework.kafka.core.DefaultKafkaProducerFactory;
import org.springframework.kafka.core.KafkaTemplate;
import org.springframework.kafka.core.MicrometerConsumerListener;
import org.springframework.kafka.listener.ContainerProperties;
import org.springframework.kafka.listener.DeadLetterPublishingRecoverer;
import org.springframework.kafka.listener.DefaultErrorHandler;
import org.springframework.kafka.support.serializer.ErrorHandlingDeserializer;
import org.springframework.util.backoff.FixedBackOff;

/**
 * Kafka wiring of the worker, declared rather than hoped for: a consumer that reads committed requests one at a
 * time with a poll interval sized for the longest job; records that cannot be read, break a rule, or keep failing
 * go to {@code <topic>-dlt} and end their job FAILED, so the partition moves on and the job still ends.
 */
@Configuration(proxyBeanMethods = false)
@EnableConfigurationProperties(WorkerProperties.class)
public class WorkerConfiguration {

    private static final Logger log = LoggerFactory.getLogger(WorkerConfiguration.class);
    /** How long a consumer goes without records before its position is committed (see IdleOffsetCommitter). */
    static final long IDLE_EVENT_INTERVAL_MS = 10_000;

    @Bean
    Clock clock() {
        return Clock.systemUTC();
    }

    /** A bean, so the context closes its producer on shutdown. */
    @Bean
    DefaultKafkaProducerFactory<String, Object> workerProducerFactory(KafkaProperties kafka, WorkerProperties props,
                                                                     MeterRegistry registry) {
        return WireProducers.factory(kafka, props.id() + "-producer", Map.of(), registry);
    }

    @Bean
    KafkaTemplate<String, Object> workerKafkaTemplate(DefaultKafkaProducerFactory<String, Object> workerProducerFactory) {
        return OneLineProducerListener.applyTo(new KafkaTemplate<>(workerProducerFactory));
    }

    @Bean
    EventPublisher eventPublisher(KafkaTemplate<String, Object> workerKafkaTemplate) {
        return new EventPublisher(workerKafkaTemplate);
    }

    @Bean
    CancellationRegistry cancellationRegistry(KafkaProperties kafka, Clock clock) {
        return new CancellationRegistry(String.join(",", kafka.getBootstrapServers()), clock);
    }

    @Bean
    PrioritySlots prioritySlots(WorkerProperties props) {
        return new PrioritySlots(props.totalSlots(), props.slots());
    }

    @Bean
    ShutdownState shutdownState() {
        return new ShutdownState();
    }

    @Bean
    WorkerMetrics workerMetrics(MeterRegistry registry) {
        return new WorkerMetrics(registry);
    }

    @Bean
    ChunkPublisher chunkPublisher(KafkaTemplate<String, Object> workerKafkaTemplate, WorkerProperties props) {
        return new ChunkPublisher(workerKafkaTemplate, props.id());
    }

    @Bean
    JobLifecycle jobLifecycle(EventPublisher events, NarrationChain chain, ChunkPublisher chunks,
                              WorkerMetrics metrics, WorkerProperties props, Clock clock) {
        return new JobLifecycle(events, chain, chunks, metrics, props.id(), clock);
    }

    @Bean
    JobProcessor jobProcessor(SpeechEngine engine, ObjectStorage storage, JobLifecycle lifecycle,
                              ChunkPublisher chunks, EventPublisher events, CancellationRegistry cancellations, PrioritySlots slots,
                              WorkerProperties props, WorkerMetrics metrics, MeterRegistry registry,
                              ShutdownState shutdown, Clock clock) {
        return new JobProcessor(engine, storage, new VoiceEncoder(engine, storage),
                new ContextLoader(storage, ContextLoader.MAX_CACHED_VOICES, registry), lifecycle, chunks, events,
                cancellations, slots, props, metrics, shutdown, clock);
    }

    @Bean
    NarrationChain narrationChain(ObjectStorage storage, EventPublisher events, Clock clock) {
        return new NarrationChain(storage, events, clock);
    }

    @Bean
    WarmUpJobs.Route warmUpRoute(JobProcessor processor, JobLifecycle lifecycle,
                                 KafkaTemplate<String, Object> workerKafkaTemplate) {
        return WarmUpJobs.Route.of(processor, lifecycle, workerKafkaTemplate);
    }

    @Bean
    SynthesisListener synthesisListener(JobProcessor processor, WarmUpJobs.Route warmUpRoute) {
        return new SynthesisListener(processor, warmUpRoute.processor());
    }

    @Bean
    IdleOffsetCommitter idleOffsetCommitter() {
        return new IdleOffsetCommitter();
    }

    @Bean
    GracefulDrain gracefulDrain(KafkaListenerEndpointRegistry listeners, PrioritySlots slots,
                                ShutdownState shutdown, WorkerProperties props) {
        return new GracefulDrain(listeners, slots, shutdown, props.shutdownGrace());
    }

    @Bean
    HeartbeatPublisher heartbeatPublisher(KafkaTemplate<String, Object> workerKafkaTemplate, WorkerProperties props,
                                          SpeechEngine engine, PrioritySlots slots, JobLifecycle lifecycle,
                                          Clock clock) {
        return new HeartbeatPublisher(workerKafkaTemplate, props.id(), engine, slots, lifecycle, clock);
    }

    /** Bulk requests (async jobs, narration segments): the fleet's group, {@code WORKER_GROUP_ID}. */
    @Bean(SynthesisListener.CONTAINER_FACTORY)
    ConcurrentKafkaListenerContainerFactory<String, SynthesisRequest> requestListenerFactory(
            KafkaProperties kafka, WorkerProperties props, MeterRegistry registry,
            KafkaTemplate<String, Object> workerKafkaTemplate, JobLifecycle lifecycle) {
        return requestListeners(kafka, props, registry, workerKafkaTemplate, lifecycle, props.groupId(),
                props.groupProtocol(), props.id(), props.consumersPerTopic(), null);
    }

    @Bean
    FirstAssignments interactiveAssignments() {
        return new FirstAssignments();
    }

    /** Interactive (sync) requests: a group of their own, {@code <WORKER_GROUP_ID>-interactive}. */
    @Bean(SynthesisListener.INTERACTIVE_CONTAINER_FACTORY)
    ConcurrentKafkaListenerContainerFactory<String, SynthesisRequest> interactiveListenerFactory(
            KafkaProperties kafka, WorkerProperties props, MeterRegistry registry,
            KafkaTemplate<String, Object> workerKafkaTemplate, JobLifecycle lifecycle,
            FirstAssignments interactiveAssignments) {
        return requestListeners(kafka, props, registry, workerKafkaTemplate, lifecycle, props.interactiveGroupId(),
                props.interactiveGroupProtocol(), props.id() + "-interactive", props.interactiveConsumers(),
                interactiveAssignments);
    }

    private static ConcurrentKafkaListenerContainerFactory<String, SynthesisRequest> requestListeners(
            KafkaProperties kafka, WorkerProperties props, MeterRegistry registry,
            KafkaTemplate<String, Object> workerKafkaTemplate, JobLifecycle lifecycle, String groupId,
            String groupProtocol, String clientId, int consumerThreads, FirstAssignments assignmentsOrNull) {
        Map<String, Object> config = new HashMap<>(kafka.buildConsumerProperties());
        config.put(ConsumerConfig.GROUP_ID_CONFIG, groupId);
        config.put(ConsumerConfig.CLIENT_ID_CONFIG, clientId);
        config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        config.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        // The API writes a request and its ACCEPTED event in one transaction: never run an aborted request.
        config.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        // One record at a time, and the poll interval covers the longest job, so a busy worker keeps its
        // partitions and a crashed one gives them up within the session timeout.
        config.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 1);
        config.put(ConsumerConfig.MAX_POLL_INTERVAL_MS_CONFIG,
                (int) props.maxJobDuration().plusMinutes(5).toMillis());
        // Members synthesize for minutes between polls. Under the classic protocol every rebalance (a worker joining
        // or leaving, or this worker's other listener starting) waits until each member polls again, so a sync
        // request could wait behind a running bulk job before its consumer even gets a partition. The KIP-848
        // protocol has no such barrier: the broker assigns partitions to each member on its own heartbeats.
        config.put(ConsumerConfig.GROUP_PROTOCOL_CONFIG, groupProtocol);
        if (groupProtocol.equals("classic")) {
            // Heartbeats come from a background thread, so a long synthesis keeps the membership; 30 s rides out a
            // CPU-starved or GC-paused worker without handing its job to a second worker, and still fails over soon.
            config.put(ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG, 30_000);
            config.put(ConsumerConfig.HEARTBEAT_INTERVAL_MS_CONFIG, 3_000);
            config.put(ConsumerConfig.PARTITION_ASSIGNMENT_STRATEGY_CONFIG,
                    CooperativeStickyAssignor.class.getName());
        }
        DefaultKafkaConsumerFactory<String, SynthesisRequest> consumers = new DefaultKafkaConsumerFactory<>(config,
                new StringDeserializer(), new ErrorHandlingDeserializer<>(WireSerde.of(SynthesisRequest.class)));
        consumers.addListener(new MicrometerConsumerListener<>(registry));

        ConcurrentKafkaListenerContainerFactory<String, SynthesisRequest> factory =
                new ConcurrentKafkaListenerContainerFactory<>();
        factory.setConsumerFactory(consumers);
        // A consumer thread per slot the topic's jobs may take, and the prefetch (see WorkerProperties#prefetch).
        factory.setConcurrency(consumerThreads);
        factory.getContainerProperties().setAckMode(ContainerProperties.AckMode.MANUAL_IMMEDIATE);
        factory.getContainerProperties().setShutdownTimeout(props.shutdownGrace().plusSeconds(30).toMillis());
        factory.getContainerProperties().setObservationEnabled(false);
        factory.getContainerProperties().setIdleEventInterval(IDLE_EVENT_INTERVAL_MS);
        factory.setCommonErrorHandler(errorHandler(workerKafkaTemplate, lifecycle, props));
        if (assignmentsOrNull != null) {
            factory.getContainerProperties().setConsumerRebalanceListener(assignmentsOrNull);
        }
        return factory;
    }

    /**
     * Unreadable and invalid records go to the dead-letter topic at once; other failures are retried (the record is
     * redelivered) and then dead-lettered. Either way the job ends FAILED, so nothing accepted stays open.
     */
    private static DefaultErrorHandler errorHandler(KafkaTemplate<String, Object> template, JobLifecycle lifecycle,
                                                    WorkerProperties props) {
        DeadLetterPublishingRecoverer deadLetters = new DeadLetterPublishingRecoverer(template,
                (record, e) -> new TopicPartition(Topics.dlt(record.topic()), -1));
        DefaultErrorHandler handler = new DefaultErrorHandler((record, e) -> {
            deadLetters.accept(record, e);
            failJob(record, rootCause(e), lifecycle);
        }, new FixedBackOff(2_000, props.recordAttempts() - 1));
        handler.addNotRetryableExceptions(InvalidRequestException.class);
        // Commit a dead-lettered record's offset at once, so a partition moving to another worker does not
        // dead-letter it a second time.
        handler.setCommitRecovered(true);
        return handler;
    }

    /** A dead-lettered record's job ends FAILED (its sync caller told), like any other failure. */
    private static void failJob(ConsumerRecord<?, ?> record, Throwable cause, JobLifecycle lifecycle) {
        if (!(record.value() instanceof SynthesisRequest request) || request.jobId() == null) {
            log.warn("event=record_dead_lettered topic={} partition={} offset={} reason={}", record.topic(),
                    record.partition(), record.offset(), cause.toString());
            return;
        }
        String code = cause instanceof InvalidRequestException ? ErrorCodes.INVALID_REQUEST
                : cause instanceof StorageException ? ErrorCodes.STORAGE_UNAVAILABLE : ErrorCodes.ENGINE_ERROR;
        log.warn("event=job_failed job={} code={} topic={} offset={} reason={}", request.jobId(), code,
                record.topic(), record.offset(), cause.getMessage());
        lifecycle.failed(request, record.headers(), new JobError(code, cause.getMessage()));
    }

    private static Throwable rootCause(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && t.getCause() != t
                && (t instanceof org.springframework.kafka.listener.ListenerExecutionFailedException
                || t.getClass().getName().startsWith("org.springframework"))) {
            t = t.getCause();
        }
        return t;
    }
}
