package dev.csmpipeline.storage.service;

import dev.csmpipeline.service.WireValueSerializer;
import dev.csmpipeline.storage.client.ObjectStorage;
import dev.csmpipeline.storage.service.retention.RetentionSweep;
import java.time.Clock;
import java.util.HashMap;
import java.util.Map;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.StringSerializer;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.kafka.autoconfigure.KafkaProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.kafka.core.DefaultKafkaProducerFactory;
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

    @Bean
    KafkaTemplate<String, Object> storageKafkaTemplate(KafkaProperties kafka, StorageServiceProperties props) {
        Map<String, Object> config = new HashMap<>(kafka.buildProducerProperties());
        config.put(ProducerConfig.ACKS_CONFIG, "all");
        config.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        config.put(ProducerConfig.CLIENT_ID_CONFIG, props.instanceId());
        return new KafkaTemplate<>(new DefaultKafkaProducerFactory<>(config, new StringSerializer(),
                new WireValueSerializer()));
    }

    @Bean
    RetentionSweep retentionSweep(ObjectStorage storage, KafkaTemplate<String, Object> storageKafkaTemplate,
                                  StorageServiceProperties props, Clock clock, TaskScheduler sweepScheduler) {
        RetentionSweep sweep = new RetentionSweep(storage, storageKafkaTemplate, props.retention(), clock);
        sweepScheduler.scheduleWithFixedDelay(sweep::sweep, clock.instant().plus(props.sweepInterval()),
                props.sweepInterval());
        return sweep;
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
