package dev.csmpipeline.storage.service;

import dev.csmpipeline.service.OneLineProducerListener;
import dev.csmpipeline.model.NarrationReady;
import dev.csmpipeline.model.Topics;
import dev.csmpipeline.model.WireSerde;
import dev.csmpipeline.service.WireProducers;
import dev.csmpipeline.storage.service.narration.NarrationAssembler;
import dev.csmpipeline.storage.service.narration.NarrationReadyListener;
import dev.csmpipeline.storage.client.ObjectStorage;
import dev.csmpipeline.storage.service.retention.RetentionSweep;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Clock;
import java.util.HashMap;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.kafka.autoconfigure.KafkaProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.kafka.config.ConcurrentKafkaListenerContainerFactory;
import org.springframework.kafka.core.DefaultKafkaConsumerFactory;
import org.springframework.kafka.core.DefaultKafkaProducerFactory;
import org.springframework.kafka.listener.ContainerProperties;
import org.springframework.kafka.listener.DeadLetterPublishingRecoverer;
import org.springframework.kafka.listener.DefaultErrorHandler;
import org.springframework.kafka.support.serializer.ErrorHandlingDeserializer;
import org.springframework.util.backoff.FixedBackOff;
import org.springframework.kafka.core.KafkaTemplate;
import org.springframework.scheduling.TaskScheduler;
import org.springframework.scheduling.concurrent.ThreadPoolTaskScheduler;

/** Producer for events, the retention sweep and its schedule. */
@Configuration(proxyBeanMethods = false)
@EnableConfigurationProperties(StorageServiceProperties.class)
public class StorageServiceConfiguration {

    @Bean
    Clock clock() {
        return Clock.systemUTC();
    }

    /** A bean, so the context closes its producer on shutdown. */
    @Bean
    DefaultKafkaProducerFactory<String, Object> storageProducerFactory(KafkaProperties kafka,
                                                                      StorageServiceProperties props,
                                                                      MeterRegistry registry) {
        return WireProducers.factory(kafka, props.instanceId(), Map.of(), registry);
    }

    @Bean
    KafkaTemplate<String, Object> storageKafkaTemplate(
            DefaultKafkaProducerFactory<String, Object> storageProducerFactory) {
        return OneLineProducerListener.applyTo(new KafkaTemplate<>(storageProducerFactory));
    }

    @Bean
    RetentionSweep retentionSweep(ObjectStorage storage, KafkaTemplate<String, Object> storageKafkaTemplate,
                                  StorageServiceProperties props, Clock clock, TaskScheduler sweepScheduler) {
        RetentionSweep sweep = new RetentionSweep(storage, storageKafkaTemplate, props.retention(), clock);
        sweepScheduler.scheduleWithFixedDelay(sweep::sweep, clock.instant().plus(props.sweepInterval()),
                props.sweepInterval());
        return sweep;
    }

    @Bean
    NarrationAssembler narrationAssembler(ObjectStorage storage) {
        return new NarrationAssembler(storage);
    }

    @Bean
    NarrationReadyListener narrationReadyListener(NarrationAssembler assembler,
                                                  KafkaTemplate<String, Object> storageKafkaTemplate,
                                                  StorageServiceProperties props, Clock clock) {
        return new NarrationReadyListener(assembler, storageKafkaTemplate, props, clock);
    }

    /**
     * Assembly requests, one at a time per partition; a failing record is retried (transient storage errors), then
     * dead-lettered after the narration is failed by the listener's own handling.
     */
    @Bean(NarrationReadyListener.CONTAINER_FACTORY)
    ConcurrentKafkaListenerContainerFactory<String, NarrationReady> narrationReadyFactory(
            KafkaProperties kafka, KafkaTemplate<String, Object> storageKafkaTemplate) {
        Map<String, Object> config = new HashMap<>(kafka.buildConsumerProperties());
        config.put(ConsumerConfig.GROUP_ID_CONFIG, "csm-storage-assembly");
        config.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        config.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        config.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 1);
        config.put(ConsumerConfig.MAX_POLL_INTERVAL_MS_CONFIG, 30 * 60 * 1000);
        ConcurrentKafkaListenerContainerFactory<String, NarrationReady> factory =
                new ConcurrentKafkaListenerContainerFactory<>();
        factory.setConsumerFactory(new DefaultKafkaConsumerFactory<>(config, new StringDeserializer(),
                new ErrorHandlingDeserializer<>(WireSerde.of(NarrationReady.class))));
        factory.getContainerProperties().setAckMode(ContainerProperties.AckMode.RECORD);
        DefaultErrorHandler errors = new DefaultErrorHandler(new DeadLetterPublishingRecoverer(storageKafkaTemplate,
                (r, e) -> new TopicPartition(Topics.dlt(r.topic()), -1)), new FixedBackOff(5_000, 5));
        errors.setCommitRecovered(true);
        factory.setCommonErrorHandler(errors);
        return factory;
    }

    @Bean(destroyMethod = "shutdown")
    ThreadPoolTaskScheduler sweepScheduler() {
        ThreadPoolTaskScheduler scheduler = new ThreadPoolTaskScheduler();
        scheduler.setThreadNamePrefix("storage-");
        scheduler.setPoolSize(2);
        scheduler.initialize();
        return scheduler;
    }
}
