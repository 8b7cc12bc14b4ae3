package dev.csmpipeline.worker.jobs;

import static org.assertj.core.api.Assertions.assertThat;

import dev.csmpipeline.model.Topics;
import dev.csmpipeline.testsupport.PipelineInfra;
import dev.csmpipeline.testsupport.ProducerMetadata;
import dev.csmpipeline.testsupport.RunningService;
import dev.csmpipeline.testsupport.WithPipelineInfra;
import dev.csmpipeline.worker.WorkerApplication;
import java.util.Map;
import org.apache.kafka.clients.producer.Producer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.kafka.core.ProducerFactory;

/** A started worker's producer holds the metadata of the topics a job's outcome goes to, before its first job. */
@WithPipelineInfra
class JobPathWarmUpTest {

    private static RunningService worker;

    @BeforeAll
    static void start(PipelineInfra infra) {
        worker = RunningService.start(WorkerApplication.builder(), infra, Map.of("worker.id", "warm-up-test"));
    }

    @AfterAll
    static void stop() {
        worker.close();
    }

    @Test
    void theWorkersProducerHoldsTheEventAndReplyTopicsMetadataBeforeTheFirstJob() {
        try (Producer<?, ?> producer = worker.context().getBean("workerProducerFactory", ProducerFactory.class)
                .createProducer()) {
            assertThat(ProducerMetadata.held(producer, Topics.EVENTS)).isTrue();
            assertThat(ProducerMetadata.held(producer, Topics.REPLIES)).isTrue();
            assertThat(ProducerMetadata.held(producer, Topics.NARRATIONS_READY)).isTrue();
            // The check can fail: nothing warms a topic the worker never writes.
            assertThat(ProducerMetadata.held(producer, Topics.CONTROL)).isFalse();
        }
    }
}
