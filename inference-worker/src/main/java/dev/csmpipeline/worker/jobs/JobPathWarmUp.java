package dev.csmpipeline.worker.jobs;

import dev.csmpipeline.model.Topics;
import dev.csmpipeline.service.StartupWarmUp;
import dev.csmpipeline.storage.client.ObjectStorage;
import java.util.List;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.kafka.core.DefaultKafkaProducerFactory;

/**
 * Before the worker's listeners take a record (the engine is warmed before that, in the engine's configuration): the
 * wire codec has met each message type, the producer holds the metadata of the topics a job's outcome goes to, and
 * the object store has answered once, so the first job's decode, reply, events and storage lookup cost what the next
 * ones do.
 */
@Configuration(proxyBeanMethods = false)
public class JobPathWarmUp {

    @Bean
    StartupWarmUp jobPathWarmUpSteps(DefaultKafkaProducerFactory<String, Object> workerProducerFactory,
                                     ObjectStorage storage) {
        return new StartupWarmUp(List.of(StartupWarmUp.wireCodecs(),
                StartupWarmUp.producer("worker", workerProducerFactory, Topics.EVENTS, Topics.REPLIES,
                        Topics.NARRATIONS_READY),
                StartupWarmUp.storage(storage)));
    }
}
