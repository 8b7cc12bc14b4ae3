package dev.csmpipeline.service;

import dev.csmpipeline.storage.client.ObjectStorage;
import org.apache.kafka.clients.admin.NewTopic;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Import;
import org.springframework.kafka.core.KafkaAdmin;

/** What every pipeline service wires the same way: the bucket client, its health, and the pipeline topics. */
@Configuration(proxyBeanMethods = false)
@EnableConfigurationProperties({S3Properties.class, TopicProperties.class, WarmUpProperties.class})
@Import({ApiExceptionHandler.class, StrictJson.class, ContainerErrors.class})
public class PipelineServiceConfiguration {

    private static final Logger log = LoggerFactory.getLogger(PipelineServiceConfiguration.class);

    @Bean(destroyMethod = "close")
    ObjectStorage objectStorage(S3Properties s3) {
        log.info("event=storage_configured settings={}", s3);
        return new ObjectStorage(s3.toSettings());
    }

    @Bean
    HealthIndicator storageHealthIndicator(ObjectStorage storage) {
        return () -> storage.isReachable()
                ? Health.up().withDetail("bucket", storage.bucket()).build()
                : Health.down().withDetail("bucket", storage.bucket())
                .withDetail("reason", "bucket not reachable").build();
    }

    /** Missing pipeline topics are created at start (KafkaAdmin), unless TTS_CREATE_TOPICS=false. */
    @Bean
    KafkaAdmin.NewTopics pipelineTopics(TopicProperties topics) {
        if (!topics.createTopics()) {
            return new KafkaAdmin.NewTopics();
        }
        return new KafkaAdmin.NewTopics(topics.plan().stream()
                .map(s -> new NewTopic(s.name(), s.partitions(), s.replication()).configs(s.configs()))
                .toArray(NewTopic[]::new));
    }
}
