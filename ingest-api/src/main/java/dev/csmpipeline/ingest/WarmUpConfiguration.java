package dev.csmpipeline.ingest;

import dev.csmpipeline.model.Topics;
import dev.csmpipeline.service.StartupWarmUp;
import java.util.List;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.kafka.core.DefaultKafkaProducerFactory;

/**
 * Before the API listens: the wire codec has met each message type, and each of its producers is created (the
 * transactional one with its transactions initialised) and holds the metadata of the topics it writes, so the first
 * {@code /generate} or submit after a start costs what the next ones do.
 */
@Configuration(proxyBeanMethods = false)
public class WarmUpConfiguration {

    @Bean
    StartupWarmUp ingestWarmUp(DefaultKafkaProducerFactory<String, Object> syncProducerFactory,
                               DefaultKafkaProducerFactory<String, Object> plainProducerFactory,
                               DefaultKafkaProducerFactory<String, Object> acceptProducerFactory) {
        return new StartupWarmUp(List.of(StartupWarmUp.wireCodecs(),
                StartupWarmUp.producer("sync", syncProducerFactory, Topics.REQUESTS_INTERACTIVE),
                StartupWarmUp.producer("plain", plainProducerFactory, Topics.REQUESTS_INTERACTIVE, Topics.REQUESTS,
                        Topics.EVENTS),
                StartupWarmUp.producer("accept", acceptProducerFactory, Topics.REQUESTS, Topics.EVENTS)));
    }
}
