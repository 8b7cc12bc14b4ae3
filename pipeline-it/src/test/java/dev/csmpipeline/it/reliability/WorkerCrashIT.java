package dev.csmpipeline.it.reliability;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.csmpipeline.ingest.IngestApplication;
import dev.csmpipeline.localstack.ChildService;
import dev.csmpipeline.localstack.Ports;
import dev.csmpipeline.storage.client.StorageSettings;
import dev.csmpipeline.testsupport.Http;
import dev.csmpipeline.testsupport.PipelineInfra;
import dev.csmpipeline.testsupport.RunningService;
import dev.csmpipeline.testsupport.WithPipelineInfra;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * Batching workers ({@code WORKER_BATCH=4}, as deployed) killed hard (SIGKILL, no shutdown at all) in the middle of
 * their batches, several times at random frames: every job of a killed batch is redelivered to a surviving worker
 * and each ends with exactly one result.
 */
@WithPipelineInfra
class WorkerCrashIT {

    private static final int BATCH = 4;

    private static PipelineInfra infra;
    private static RunningService ingest;
    private static final List<ChildService> workers = new ArrayList<>();

    @BeforeAll
    static void start(PipelineInfra pipelineInfra) {
        infra = pipelineInfra;
        ingest = RunningService.start(IngestApplication.builder(), infra, Map.of());
        startWorker("crash-worker-a");
        startWorker("crash-worker-b");
    }

    @AfterAll
    static void stop() {
        workers.forEach(ChildService::kill);
        ingest.close();
    }

    private static ChildService startWorker(String id) {
        ChildService w = ChildWorkers.start(infra, id, Map.of("WORKER_BATCH", Integer.toString(BATCH)));
        workers.add(w);
        return w;
    }

    @Test
    void jobsOfKilledWorkersAreFinishedByOthersWithOneResultEach() throws Exception {
        Set<String> accepted = new HashSet<>();
        // Enough work that both workers' batches are full through three kills and restarts.
        for (int i = 0; i < 32; i++) {
            Http.Response r = Http.postJson(ingest.url("/v1/jobs"), "{\"text\":\"Crash test " + i
                    + ".\",\"max_audio_length_ms\":20000}");
            assertThat(r.status()).isEqualTo(202);
            accepted.add(r.json().get("id").asText());
        }
        Random random = new Random(7);
        int largestKilledBatch = 0;
        for (int round = 0; round < 3; round++) {
            JsonNode running = awaitARunningJob(accepted);
            String victimId = running.get("worker_id").asText();
            int batch = runningOn(victimId, accepted);
            largestKilledBatch = Math.max(largestKilledBatch, batch);
            Thread.sleep(random.nextInt(800)); // a random frame of the job
            ChildService victim = workers.stream().filter(w -> w.name().equals(victimId)).findFirst().orElseThrow();
            victim.kill();
            workers.remove(victim);
            System.out.println("[reliability] killed " + victimId + " during job " + running.get("id").asText()
                    + " at frame " + running.get("progress").get("frames_done").asInt() + ", " + batch
                    + " jobs running on it");
            startWorker(victimId + "-r" + round);
        }
        Accounting.Books books = FaultTests.settle("worker crash", infra.kafkaBootstrapServers(), accepted,
                Duration.ofMinutes(6));
        assertThat(books.succeeded()).isEqualTo(accepted.size());
        assertThat(books.redelivered()).as("jobs restarted after a crash").isPositive();
        assertThat(largestKilledBatch).as("jobs running together on a killed worker").isGreaterThan(1);
    }

    private static int runningOn(String workerId, Set<String> ids) {
        int n = 0;
        for (String id : ids) {
            JsonNode s = Http.get(ingest.url("/v1/jobs/" + id)).json();
            if ("RUNNING".equals(s.path("state").asText()) && workerId.equals(s.path("worker_id").asText())) {
                n++;
            }
        }
        return n;
    }

    private static JsonNode awaitARunningJob(Set<String> ids) {
        JsonNode[] found = new JsonNode[1];
        await().atMost(Duration.ofMinutes(3)).pollInterval(Duration.ofMillis(100)).until(() -> {
            for (String id : ids) {
                JsonNode s = Http.get(ingest.url("/v1/jobs/" + id)).json();
                if ("RUNNING".equals(s.path("state").asText()) && s.path("progress").path("frames_done").asInt() > 0
                        && workers.stream().anyMatch(w -> w.name().equals(s.path("worker_id").asText()))) {
                    found[0] = s;
                    return true;
                }
            }
            return false;
        });
        return found[0];
    }
}
