package dev.csmpipeline.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.csmpipeline.engine.BatchingSpeechEngine;
import dev.csmpipeline.engine.SpeechEngine;
import dev.csmpipeline.testsupport.Http;
import dev.csmpipeline.testsupport.WithPipelineInfra;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import tools.jackson.databind.JsonNode;

/**
 * A worker with {@code WORKER_BATCH=3}: bulk jobs share the model's steps, a sync call joins a full batch through the
 * row kept for it instead of waiting for a bulk job to end, and one row's cancellation leaves the others running.
 */
@WithPipelineInfra
class BatchingWorkerIT {

    private static final int BATCH = 3;
    /** 30 s of audio, 375 frames: long enough that the batch is full while a test acts on it. */
    private static final String LONG_JOB = "{\"text\":\"Batched bulk job %d.\",\"max_audio_length_ms\":30000}";

    @RegisterExtension
    static final Pipeline pipeline = Pipeline.started(p -> {
        p.startIngest(Map.of());
        p.startWorker(Map.of("worker.batch", BATCH));
    });

    private static BatchingSpeechEngine engine() {
        return (BatchingSpeechEngine) pipeline.worker("worker-0").context().getBean(SpeechEngine.class);
    }

    private static List<String> fullBatch() {
        pipeline.awaitWorkersAssigned();
        List<String> jobs = new ArrayList<>();
        for (int i = 0; i < BATCH; i++) {
            jobs.add(pipeline.submit(LONG_JOB.formatted(i)));
        }
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(20)).until(() -> jobs.stream()
                .allMatch(id -> "RUNNING".equals(pipeline.status(id).path("state").asText())));
        return jobs;
    }

    @Test
    void bulkJobsRunTogetherInFewerModelStepsThanFramesMade() {
        long stepsBefore = engine().framesStepped();
        List<String> jobs = fullBatch();
        int frames = 0;
        for (String id : jobs) {
            JsonNode done = pipeline.awaitJob(id);
            assertThat(done.get("state").asText()).as(done.toString()).isEqualTo("SUCCEEDED");
            assertThat(done.at("/result/duration_ms").asLong()).isEqualTo(30_000);
            frames += done.at("/result/frames").asInt();
        }
        long steps = engine().framesStepped() - stepsBefore;
        // One row per step would take a step per frame; sharing steps takes fewer (at best a third).
        assertThat(steps).as("model steps for %d frames", frames).isLessThan(frames);
    }

    @Test
    void aSyncCallJoinsAFullBatchInsteadOfWaitingForIt() {
        List<String> bulk = fullBatch();
        Http.Response sync = Http.postJson(pipeline.ingest().url("/generate"),
                "{\"text\":\"Let me in.\",\"max_audio_length_ms\":400}");
        assertThat(sync.status()).as(sync.toString()).isEqualTo(200);
        Instant syncDone = Instant.parse(pipeline.awaitJob(sync.header("X-Job-Id").orElseThrow())
                .get("finished_at").asText());
        for (String id : bulk) {
            JsonNode done = pipeline.awaitJob(id);
            assertThat(Instant.parse(done.get("finished_at").asText()))
                    .as("bulk job %s, running when the sync call came", id).isAfter(syncDone);
        }
    }

    @Test
    void cancellingOneRowLeavesTheRestOfTheBatchRunning() {
        List<String> jobs = fullBatch();
        Http.Response cancel = Http.delete(pipeline.ingest().url("/v1/jobs/" + jobs.get(0)));
        assertThat(cancel.status()).as(cancel.toString()).isLessThan(300);
        assertThat(pipeline.awaitJob(jobs.get(0)).get("state").asText()).isEqualTo("CANCELLED");
        for (String id : jobs.subList(1, BATCH)) {
            JsonNode done = pipeline.awaitJob(id);
            assertThat(done.get("state").asText()).as(done.toString()).isEqualTo("SUCCEEDED");
            assertThat(done.at("/result/duration_ms").asLong()).isEqualTo(30_000);
        }
    }
}
