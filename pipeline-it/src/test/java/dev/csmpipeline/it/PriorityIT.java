package dev.csmpipeline.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.csmpipeline.testsupport.Http;
import dev.csmpipeline.testsupport.PipelineInfra;
import dev.csmpipeline.testsupport.WithPipelineInfra;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * Interactive before bulk: with a backlog of bulk jobs on the only worker, a sync call waits for the job in
 * progress, not for the backlog.
 */
@WithPipelineInfra
class PriorityIT {

    private static Pipeline pipeline;

    @BeforeAll
    static void start(PipelineInfra infra) {
        pipeline = new Pipeline(infra);
        pipeline.startIngest(Map.of());
        pipeline.startWorker(Map.of("worker.slots", 1));
    }

    @AfterAll
    static void stop() {
        pipeline.close();
    }

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
    }
}
