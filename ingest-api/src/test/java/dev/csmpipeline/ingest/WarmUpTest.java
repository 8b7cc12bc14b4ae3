package dev.csmpipeline.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import dev.csmpipeline.model.Topics;
import dev.csmpipeline.testsupport.PipelineInfra;
import dev.csmpipeline.testsupport.ProducerMetadata;
import dev.csmpipeline.testsupport.RunningService;
import dev.csmpipeline.testsupport.WithPipelineInfra;
import java.util.Map;
import org.apache.kafka.clients.producer.Producer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.kafka.core.ProducerFactory;

/** A started API has its producers open with the metadata of the topics they write, before its first request. */
@WithPipelineInfra
class WarmUpTest {

    private static RunningService api;

    @BeforeAll
    static void start(PipelineInfra infra) {
        api = RunningService.start(IngestApplication.builder(), infra, Map.of());
    }

    @AfterAll
    static void stop() {
        api.close();
    }

    private static boolean held(String factory, String topic) {
        try (Producer<?, ?> producer = api.context().getBean(factory, ProducerFactory.class).createProducer()) {
            return ProducerMetadata.held(producer, topic);
        }
    }

    @Test
    void theSyncPathsProducersHoldTheirTopicsMetadataBeforeTheFirstCall() {
        assertThat(held("syncProducerFactory", Topics.REQUESTS_INTERACTIVE)).isTrue();
        assertThat(held("plainProducerFactory", Topics.REQUESTS_INTERACTIVE)).isTrue();
        assertThat(held("plainProducerFactory", Topics.EVENTS)).isTrue();
    }

    @Test
    void theSubmitPathsTransactionalProducerIsReadyWithItsTopicsMetadata() {
        assertThat(held("acceptProducerFactory", Topics.REQUESTS)).isTrue();
        assertThat(held("acceptProducerFactory", Topics.EVENTS)).isTrue();
    }

    @Test
    void aTopicNoProducerWritesIsStillFetchedOnFirstUse() {
        // The check itself can fail: the API never writes the workers' heartbeat topic, so nothing warmed it.
        assertThat(held("plainProducerFactory", Topics.WORKERS)).isFalse();
    }
}
