package dev.csmpipeline.ingest;

import dev.csmpipeline.service.OneLineProducerListener;
import dev.csmpipeline.ingest.health.FleetView;
import dev.csmpipeline.ingest.health.PipelineHealth;
import dev.csmpipeline.ingest.jobs.AcceptBatcher;
import dev.csmpipeline.ingest.jobs.JobEventStreams;
import dev.csmpipeline.ingest.jobs.JobService;
import dev.csmpipeline.ingest.jobs.RequestPartitions;
import dev.csmpipeline.ingest.jobs.RequestPublisher;
import dev.csmpipeline.ingest.status.RecentlyAccepted;
import dev.csmpipeline.ingest.status.StatusQueries;
import dev.csmpipeline.ingest.status.StatusTopology;
import dev.csmpipeline.ingest.status.WarmUpStatus;
import dev.csmpipeline.model.Topics;
import dev.csmpipeline.service.WireProducers;
import dev.csmpipeline.storage.client.ObjectStorage;
import io.micrometer.core.instrument.MeterRegistry;
import java.net.http.HttpClient;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.boot.kafka.autoconfigure.KafkaProperties;
import dev.csmpipeline.ingest.voices.VoiceService;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.http.client.JdkClientHttpRequestFactory;
import org.springframework.kafka.annotation.EnableKafkaStreams;
import org.springframework.kafka.annotation.KafkaStreamsDefaultConfiguration;
import org.springframework.kafka.config.KafkaStreamsConfiguration;
import org.springframework.kafka.config.StreamsBuilderFactoryBean;
import org.springframework.kafka.config.StreamsBuilderFactoryBeanConfigurer;
import org.springframework.kafka.core.DefaultKafkaProducerFactory;
import org.springframework.kafka.core.KafkaTemplate;
import org.springframework.kafka.listener.DeadLetterPublishingRecoverer;
import org.springframework.kafka.streams.KafkaStreamsInteractiveQueryService;
import org.springframework.kafka.streams.RecoveringDeserializationExceptionHandler;
import org.springframework.web.client.RestClient;

/** Kafka producers, the status table (Kafka Streams) and its queries, the fleet view and the job service. */
@Configuration(proxyBeanMethods = false)
@EnableKafkaStreams
@EnableConfigurationProperties(IngestProperties.class)
public class IngestConfiguration {

    private static final Logger log = LoggerFactory.getLogger(IngestConfiguration.class);
    /** The consumer's own switch (ConsumerConfig keeps it package-private); Kafka Streams sets it to false. */
    private static final String LEAVE_GROUP_ON_CLOSE = "internal.leave.group.on.close";

    @Bean
    Clock clock() {
        return Clock.systemUTC();
    }

    /** A broker that is down must answer a submit with 503 within seconds, not hang it. */
    private static final Map<String, Object> FAIL_FAST = Map.of(ProducerConfig.MAX_BLOCK_MS_CONFIG, 5_000,
            ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 5_000, ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 10_000);

    /**
     * Transactional: a job's request and its ACCEPTED event are written together or not at all. The producer
     * factories are beans so the context closes their producers on shutdown.
     */
    @Bean
    DefaultKafkaProducerFactory<String, Object> acceptProducerFactory(KafkaProperties kafka, IngestProperties props,
                                                                     MeterRegistry registry) {
        Map<String, Object> overrides = new HashMap<>(FAIL_FAST);
        overrides.put(ProducerConfig.TRANSACTION_TIMEOUT_CONFIG, 15_000);
        DefaultKafkaProducerFactory<String, Object> factory = WireProducers.factory(kafka,
                props.instanceId() + "-accept", overrides, registry);
        factory.setTransactionIdPrefix("csm-ingest-" + props.instanceId() + "-");
        return factory;
    }

    @Bean
    KafkaTemplate<String, Object> acceptTemplate(DefaultKafkaProducerFactory<String, Object> acceptProducerFactory) {
        return OneLineProducerListener.applyTo(new KafkaTemplate<>(acceptProducerFactory));
    }

    /** Idempotent, not transactional: control commands, events, sync requests. */
    @Bean
    DefaultKafkaProducerFactory<String, Object> plainProducerFactory(KafkaProperties kafka, IngestProperties props,
                                                                    MeterRegistry registry) {
        return WireProducers.factory(kafka, props.instanceId() + "-plain", FAIL_FAST, registry);
    }

    @Bean
    KafkaTemplate<String, Object> plainTemplate(DefaultKafkaProducerFactory<String, Object> plainProducerFactory) {
        return OneLineProducerListener.applyTo(new KafkaTemplate<>(plainProducerFactory));
    }

    /** Round robin over each request topic's partitions, as the producer's metadata knows them. */
    @Bean
    RequestPartitions requestPartitions(KafkaTemplate<String, Object> plainTemplate) {
        return new RequestPartitions(topic -> plainTemplate.partitionsFor(topic).size());
    }

    @Bean
    AcceptBatcher acceptBatcher(KafkaTemplate<String, Object> acceptTemplate) {
        return new AcceptBatcher(acceptTemplate, AcceptBatcher.LANES);
    }

    @Bean
    RequestPublisher requestPublisher(AcceptBatcher acceptBatcher, KafkaTemplate<String, Object> plainTemplate,
                                      RequestPartitions partitions) {
        return new RequestPublisher(acceptBatcher, plainTemplate, partitions);
    }

    /** Writes unreadable events to their dead-letter topic (a bean, so it is closed on shutdown). */
    @Bean
    DefaultKafkaProducerFactory<byte[], byte[]> statusDltProducerFactory(KafkaProperties kafka) {
        Map<String, Object> dltProducer = new HashMap<>(kafka.buildProducerProperties());
        dltProducer.put(ProducerConfig.ACKS_CONFIG, "all");
        return new DefaultKafkaProducerFactory<>(dltProducer, new ByteArraySerializer(), new ByteArraySerializer());
    }

    /**
     * The Kafka Streams settings of the status table, from spring.kafka.streams.* plus what must not be left to
     * defaults: read only committed events, make updates visible at once, dead-letter unreadable events, leave the
     * group on a clean stop.
     */
    @Bean(name = KafkaStreamsDefaultConfiguration.DEFAULT_STREAMS_CONFIG_BEAN_NAME)
    KafkaStreamsConfiguration statusStreamsConfig(KafkaProperties kafka,
                                                  DefaultKafkaProducerFactory<byte[], byte[]> statusDltProducerFactory) {
        Map<String, Object> config = new HashMap<>(kafka.buildStreamsProperties());
        config.put(StreamsConfig.consumerPrefix(ConsumerConfig.ISOLATION_LEVEL_CONFIG), "read_committed");
        config.putIfAbsent(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, 100);
        config.putIfAbsent(StreamsConfig.STATESTORE_CACHE_MAX_BYTES_CONFIG, 0);
        // Kafka Streams keeps a stopped instance in its group until the session times out (45 s), betting on a quick
        // restart with the same state. Until then nobody processes or serves that instance's partitions of the table,
        // and the instance that replaces it (a rolling update, a new pod name) waits for them. On a clean stop the
        // main consumer leaves, so the others (or the replacement) take its partitions in one rebalance.
        config.putIfAbsent(StreamsConfig.mainConsumerPrefix(LEAVE_GROUP_ON_CLOSE), true);
        // The table emits narration transitions (ready to assemble, failed): exactly once, or one could be lost or
        // doubled across a crash.
        config.putIfAbsent(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
        config.put(StreamsConfig.DEFAULT_DESERIALIZATION_EXCEPTION_HANDLER_CLASS_CONFIG,
                RecoveringDeserializationExceptionHandler.class);
        KafkaTemplate<byte[], byte[]> dltTemplate = OneLineProducerListener.applyTo(
                new KafkaTemplate<>(statusDltProducerFactory));
        DeadLetterPublishingRecoverer deadLetters = new DeadLetterPublishingRecoverer(dltTemplate,
                (record, e) -> new TopicPartition(Topics.dlt(record.topic()), -1));
        config.put(RecoveringDeserializationExceptionHandler.KSTREAM_DESERIALIZATION_RECOVERER,
                (org.springframework.kafka.listener.ConsumerRecordRecoverer) (record, e) -> {
                    log.warn("event=event_dead_lettered topic={} partition={} offset={} reason={}", record.topic(),
                            record.partition(), record.offset(), e.getMessage());
                    deadLetters.accept(record, e);
                });
        return new KafkaStreamsConfiguration(config);
    }

    @Bean
    StreamsBuilderFactoryBeanConfigurer statusStreamsConfigurer() {
        return factory -> factory.setStreamsUncaughtExceptionHandler(e -> {
            log.error("event=status_table_thread_failed action=replace_thread reason={}", e.toString(), e);
            return StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse.REPLACE_THREAD;
        });
    }

    @Bean
    WarmUpStatus warmUpStatus() {
        return new WarmUpStatus();
    }

    @Bean
    Object statusTopology(StreamsBuilder builder, WarmUpStatus warmUpStatus) {
        StatusTopology.build(builder, warmUpStatus);
        return StatusTopology.class;
    }

    @Bean
    KafkaStreamsInteractiveQueryService statusQueryService(StreamsBuilderFactoryBean streams) {
        return new KafkaStreamsInteractiveQueryService(streams);
    }

    @Bean
    RecentlyAccepted recentlyAccepted(Clock clock) {
        return new RecentlyAccepted(clock);
    }

    /** Calls to other ingest instances' /internal/ endpoints, carrying the fleet's internal token. */
    @Bean
    RestClient peerClient(dev.csmpipeline.ingest.security.SecurityProperties security) {
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
        JdkClientHttpRequestFactory factory = new JdkClientHttpRequestFactory(http);
        factory.setReadTimeout(Duration.ofSeconds(10));
        RestClient.Builder b = RestClient.builder().requestFactory(factory);
        if (security.internalToken() != null && !security.internalToken().isBlank()) {
            b.defaultHeader(dev.csmpipeline.ingest.security.ApiKeyFilter.INTERNAL_TOKEN_HEADER,
                    security.internalToken());
        }
        return b.build();
    }

    @Bean
    StatusQueries statusQueries(KafkaStreamsInteractiveQueryService queries, StreamsBuilderFactoryBean streams,
                                RecentlyAccepted recent, IngestProperties props, RestClient peerClient,
                                Clock clock) {
        return new StatusQueries(queries, streams, recent, props, peerClient, clock);
    }

    @Bean
    JobService jobService(RequestPublisher publisher, VoiceService voices, StatusQueries statuses,
                          RecentlyAccepted recent, MeterRegistry registry, Clock clock) {
        return new JobService(publisher, voices, statuses, recent, registry, clock);
    }

    @Bean
    VoiceService voiceService(RequestPublisher publisher, StatusQueries statuses, RecentlyAccepted recent,
                              ObjectStorage storage, MeterRegistry registry, Clock clock) {
        return new VoiceService(publisher, statuses, recent, storage, registry, clock);
    }

    @Bean
    dev.csmpipeline.ingest.narration.NarrationService narrationService(RequestPublisher publisher,
                                                                        StatusQueries statuses,
                                                                        RecentlyAccepted recent,
                                                                        ObjectStorage storage,
                                                                        VoiceService voices,
                                                                        MeterRegistry registry, Clock clock) {
        return new dev.csmpipeline.ingest.narration.NarrationService(publisher, statuses, recent, storage, voices,
                registry, clock);
    }

    @Bean(destroyMethod = "close")
    JobEventStreams jobEventStreams() {
        return new JobEventStreams();
    }

    @Bean(destroyMethod = "close")
    Admin healthAdmin(KafkaProperties kafka) {
        Map<String, Object> config = new HashMap<>(kafka.buildAdminProperties());
        config.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 2_000);
        config.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 3_000);
        return Admin.create(config);
    }

    @Bean
    FleetView fleetView(KafkaProperties kafka, Clock clock) {
        return new FleetView(String.join(",", kafka.getBootstrapServers()), clock);
    }

    @Bean
    PipelineHealth pipelineHealth(Admin healthAdmin, ObjectStorage storage, FleetView fleet,
                                  StreamsBuilderFactoryBean streams, KafkaProperties kafka, Clock clock) {
        return new PipelineHealth(healthAdmin, storage, fleet, streams, String.join(",", kafka.getBootstrapServers()),
                clock);
    }

    /** Ready for traffic only while the status table runs (readiness group). */
    @Bean
    HealthIndicator statusTableHealthIndicator(StreamsBuilderFactoryBean streams) {
        return () -> {
            var ks = streams.getKafkaStreams();
            String state = ks == null ? "NOT_STARTED" : ks.state().name();
            boolean up = "RUNNING".equals(state) || "REBALANCING".equals(state);
            return (up ? Health.up() : Health.down()).withDetail("state", state).build();
        };
    }
}
