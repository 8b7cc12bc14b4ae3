package dev.csmpipeline.it.reliability;

import static org.assertj.core.api.Assertions.assertThat;

import dev.csmpipeline.it.Pipeline;
import dev.csmpipeline.testsupport.Http;
import dev.csmpipeline.testsupport.RunningService;
import dev.csmpipeline.testsupport.WithPipelineInfra;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * An ingest instance stops while sync calls wait on it: the callers get a prompt 503 naming their job, and the
 * jobs still end (another instance answers their status).
 */
@WithPipelineInfra
class IngestStopIT {

    @RegisterExtension
    static final Pipeline pipeline = Pipeline.started(p -> {
        p.startIngest(Map.of());
        p.startWorker(Map.of());
    });

    @Test
    void syncCallsWaitingOnAStoppedInstanceFailCleanlyAndTheirJobsStillEnd() throws Exception {
        RunningService doomed = pipeline.startIngest(Map.of());
        Set<String> jobs = new HashSet<>();
        // The only worker is busy with a long job, so the sync calls are still waiting when their instance stops.
        String busyId = pipeline.submit("{\"text\":\"Busy.\",\"max_audio_length_ms\":60000}");
        jobs.add(busyId);
        pipeline.awaitState(busyId, "RUNNING");
        List<CompletableFuture<Http.Response>> calls = new ArrayList<>();
        List<String> texts = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            String text = "Waiting call " + i + " " + UUID.randomUUID() + ".";
            texts.add(text);
            calls.add(CompletableFuture.supplyAsync(() -> Http.postJson(doomed.url("/generate"),
                    "{\"text\":\"" + text + "\",\"max_audio_length_ms\":400}")));
        }
        texts.forEach(pipeline::awaitSyncRequestWritten);
        doomed.close();
        int refused = 0;
        for (CompletableFuture<Http.Response> call : calls) {
            Http.Response r = call.get(30, TimeUnit.SECONDS);
            assertThat(r.status()).as(r.toString()).isIn(200, 503);
            assertThat(r.json().get("success").isBoolean()).isTrue();
            r.header("X-Job-Id").ifPresent(jobs::add);
            refused += r.status() == 503 ? 1 : 0;
        }
        assertThat(refused).as("calls cut off by the stop").isPositive();
        FaultTests.settle("ingest stop", pipeline.infra().kafkaBootstrapServers(), jobs, Duration.ofMinutes(3));
    }
}
