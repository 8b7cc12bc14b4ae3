package dev.csmpipeline.it.reliability;

import static org.assertj.core.api.Assertions.assertThat;

import dev.csmpipeline.it.Pipeline;
import dev.csmpipeline.testsupport.WithPipelineInfra;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The S3 server is unavailable for 30 s during processing: uploads retry with back-off and every job succeeds. */
@WithPipelineInfra
class StorageOutageIT {

    @RegisterExtension
    static final Pipeline pipeline = Pipeline.started(p -> {
        p.startIngest(Map.of());
        p.startWorker(Map.of());
    });

    @Test
    void jobsProcessedDuringA30SecondStorageOutageAllSucceed() throws Exception {
        try (Submitter submitter = new Submitter(pipeline.ingest(),
                Duration.ofMillis(500), Duration.ofSeconds(40), 800)) {
            Accounting.Books books = FaultTests.outage("storage outage", pipeline, submitter,
                    pipeline.infra()::stopStorage, Duration.ofSeconds(30), pipeline.infra()::startStorage);
            assertThat(books.succeeded()).isEqualTo(books.accepted());
            assertThat(submitter.refused).as("submits need no storage").isEmpty();
        }
    }
}
