package dev.csmpipeline.it.reliability;

import static org.assertj.core.api.Assertions.assertThat;

import dev.csmpipeline.ingest.IngestApplication;
import dev.csmpipeline.testsupport.Http;
import dev.csmpipeline.testsupport.PipelineInfra;
import dev.csmpipeline.testsupport.RunningService;
import dev.csmpipeline.testsupport.WithPipelineInfra;
import dev.csmpipeline.worker.WorkerApplication;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * An ingest instance stops while sync calls wait on it: the callers get a prompt 503 naming their job, and the
 * jobs still end (another instance answers their status).
 */
@WithPipelineInfra
class IngestStopIT {

    private static PipelineInfra infra;
    private static RunningService survivor;
    private static RunningService worker;

    @BeforeAll
    static void start(PipelineInfra pipelineInfra) {
        infra = pipelineInfra;
        survivor = RunningService.start(IngestApplication.builder(), infra, Map.of("ingest.instance-id", "keep"));
        worker = RunningService.start(WorkerApplication.builder(), infra, Map.of("tts.threads", 1));
    }

    @AfterAll
    static void stop() {
        worker.close();
        survivor.close();
    }

    @Test
    void syncCallsWaitingOnAStoppedInstanceFailCleanlyAndTheirJobsStillEnd() throws Exception {
        RunningService doomed = RunningService.start(IngestApplication.builder(), infra,
                Map.of("ingest.instance-id", "doomed"));
        Set<String> jobs = new HashSet<>();
        // The only worker is busy with a long job, so the sync calls are still waiting when their instance stops.
        Http.Response busy = Http.postJson(survivor.url("/v1/jobs"),
                "{\"text\":\"Busy.\",\"max_audio_length_ms\":60000}");
        String busyId = busy.json().get("id").asText();
        jobs.add(busyId);
        org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(60))
                .pollInterval(java.time.Duration.ofMillis(50)).until(() -> "RUNNING".equals(
                        Http.get(survivor.url("/v1/jobs/" + busyId)).json().path("state").asText()));
        List<CompletableFuture<Http.Response>> calls = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            int n = i;
            calls.add(CompletableFuture.supplyAsync(() -> Http.postJson(doomed.url("/generate"),
                    "{\"text\":\"Waiting call " + n + ".\",\"max_audio_length_ms\":400}")));
        }
        Thread.sleep(1_500);
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
        FaultTests.settle("ingest stop", infra.kafkaBootstrapServers(), jobs, Duration.ofMinutes(3));
    }
}
