package dev.csmpipeline.it.reliability;

import static org.assertj.core.api.Assertions.assertThat;

import dev.csmpipeline.it.Pipeline;
import dev.csmpipeline.testsupport.PipelineInfra;
import dev.csmpipeline.testsupport.WithPipelineInfra;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The S3 server is unavailable for 30 s during processing: uploads retry with back-off and every job succeeds. */
@WithPipelineInfra
class StorageOutageIT {

    private static PipelineInfra infra;
    private static Pipeline pipeline;

    @BeforeAll
    static void start(PipelineInfra pipelineInfra) {
        infra = pipelineInfra;
        pipeline = new Pipeline(infra);
        pipeline.startIngest(Map.of());
        pipeline.startWorker(Map.of());
    }

    @AfterAll
    static void stop() {
        pipeline.close();
    }

    @Test
    void jobsProcessedDuringA30SecondStorageOutageAllSucceed() throws Exception {
        try (Submitter submitter = new Submitter(pipeline.ingest(),
                Duration.ofMillis(500), Duration.ofSeconds(40), 800)) {
            Thread.sleep(5_000);
            infra.stopStorage();
            Thread.sleep(30_000);
            infra.startStorage();
            submitter.awaitDone();
            Accounting.Books books = FaultTests.settle("storage outage", infra.kafkaBootstrapServers(),
                    submitter.accepted, Duration.ofMinutes(5));
            assertThat(books.succeeded()).isEqualTo(books.accepted());
            assertThat(submitter.refused).as("submits need no storage").isEmpty();
        }
    }
}
