package dev.csmpipeline.it.reliability;

import static org.assertj.core.api.Assertions.assertThat;

import dev.csmpipeline.it.Pipeline;
import dev.csmpipeline.testsupport.WithPipelineInfra;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The broker restarts while jobs are submitted and processed: submits during the outage are refused (503, never a
 * 202 for a job not written), and every job that was accepted ends.
 */
@WithPipelineInfra(restartableBroker = true)
class BrokerRestartIT {

    @RegisterExtension
    static final Pipeline pipeline = Pipeline.started(p -> {
        p.startIngest(Map.of());
        p.startWorker(Map.of());
    });

    @Test
    void everyJobAcceptedAroundABrokerRestartEnds() throws Exception {
        try (Submitter submitter = new Submitter(pipeline.ingest(),
                Duration.ofMillis(250), Duration.ofSeconds(30), 400)) {
            Accounting.Books books = FaultTests.outage("broker restart", pipeline, submitter,
                    pipeline.infra()::stopBroker, Duration.ofSeconds(6), pipeline.infra()::startBroker);
            System.out.println("[reliability] broker restart: refused submits by status " + submitter.refused);
            assertThat(books.succeeded()).isEqualTo(books.accepted());
            assertThat(submitter.refused.keySet()).as("refusals are 503s").allMatch(s -> s == 503);
        }
    }
}
