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

/**
 * The broker restarts while jobs are submitted and processed: submits during the outage are refused (503, never a
 * 202 for a job not written), and every job that was accepted ends.
 */
@WithPipelineInfra(restartableBroker = true)
class BrokerRestartIT {

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
    void everyJobAcceptedAroundABrokerRestartEnds() throws Exception {
        try (Submitter submitter = new Submitter(pipeline.ingest(),
                Duration.ofMillis(250), Duration.ofSeconds(30), 400)) {
            Thread.sleep(8_000);
            infra.stopBroker();
            Thread.sleep(6_000);
            infra.startBroker();
            submitter.awaitDone();
            System.out.println("[reliability] broker restart: refused submits by status " + submitter.refused);
            Accounting.Books books = FaultTests.settle("broker restart", infra.kafkaBootstrapServers(),
                    submitter.accepted, Duration.ofMinutes(5));
            assertThat(books.succeeded()).isEqualTo(books.accepted());
            assertThat(submitter.refused.keySet()).as("refusals are 503s").allMatch(s -> s == 503);
        }
    }
}
