package dev.csmpipeline.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.csmpipeline.testsupport.Http;
import dev.csmpipeline.testsupport.WithPipelineInfra;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import tools.jackson.databind.JsonNode;

/**
 * One worker with one slot, so which job runs when is certain: interactive before bulk (a sync call waits for the
 * job in progress, not for the backlog), and a job cancelled while queued never runs.
 */
@WithPipelineInfra
class SingleWorkerIT {

    @RegisterExtension
    static final Pipeline pipeline = Pipeline.started(p -> {
        p.startIngest(Map.of());
        p.startWorker(Map.of("worker.slots", 1));
    });

    @Test
    void aSyncCallOvertakesTheBulkBacklog() {
        List<String> backlog = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            backlog.add(pipeline.submit("{\"text\":\"Bulk job " + i + ".\",\"max_audio_length_ms\":30000}"));
        }
        pipeline.awaitState(backlog.get(0), "RUNNING");

        Http.Response sync = Http.postJson(pipeline.ingest().url("/generate"),
                "{\"text\":\"Me first.\",\"max_audio_length_ms\":400}");
        assertThat(sync.status()).as(sync.toString()).isEqualTo(200);
        JsonNode syncJob = pipeline.awaitJob(sync.header("X-Job-Id").orElseThrow());
        Instant syncDone = Instant.parse(syncJob.get("finished_at").asText());

        int finishedBefore = 0;
        for (String id : backlog) {
            JsonNode s = pipeline.status(id);
            if (s.hasNonNull("finished_at") && Instant.parse(s.get("finished_at").asText()).isBefore(syncDone)) {
                finishedBefore++;
            }
        }
        // Only the bulk job already running when the call came may finish first; the rest waited.
        assertThat(finishedBefore).isLessThanOrEqualTo(1);
        backlog.forEach(id -> Http.delete(pipeline.ingest().url("/v1/jobs/" + id)));
        backlog.forEach(pipeline::awaitJob);
    }

    @Test
    void aJobCancelledWhileQueuedNeverRuns() throws Exception {
        String running = pipeline.submit("{\"text\":\"Keep the worker busy.\",\"max_audio_length_ms\":30000}");
        pipeline.awaitState(running, "RUNNING");
        String queued = pipeline.submit("{\"text\":\"Never spoken.\",\"max_audio_length_ms\":400}");
        Http.Response cancel = Http.delete(pipeline.ingest().url("/v1/jobs/" + queued));
        assertThat(cancel.json().get("state").asText()).isEqualTo("CANCELLED");
        pipeline.awaitJob(running);
        // Once the worker is past the queued job (it skips it), nothing of it may have run.
        String after = pipeline.submit("{\"text\":\"After.\",\"max_audio_length_ms\":160}");
        pipeline.awaitJob(after);
        JsonNode status = pipeline.status(queued);
        assertThat(status.get("state").asText()).isEqualTo("CANCELLED");
        assertThat(status.get("attempts").asInt()).as("synthesis attempts of the cancelled job").isZero();
        try (dev.csmpipeline.storage.client.ObjectStorage storage = pipeline.infra().newStorage()) {
            assertThat(storage.stat("audio/" + queued + ".wav")).isEmpty();
        }
    }
}
