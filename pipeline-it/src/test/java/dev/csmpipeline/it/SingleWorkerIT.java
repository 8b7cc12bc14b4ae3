package dev.csmpipeline.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

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
        pipeline.awaitWorkersAssigned();
        List<String> backlog = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            backlog.add(pipeline.submit("{\"text\":\"Bulk job " + i + ".\",\"max_audio_length_ms\":30000}"));
        }
        // The backlog spreads over partitions, so any of its jobs may be the one the worker takes first.
        await().atMost(Duration.ofSeconds(60))
                .pollInterval(Duration.ofMillis(20))
                .until(() -> backlog.stream().anyMatch(id -> "RUNNING".equals(pipeline.status(id).get("state").asText())));
        Instant callMade = Instant.now();

        Http.Response sync = Http.postJson(pipeline.ingest().url("/generate"),
                "{\"text\":\"Me first.\",\"max_audio_length_ms\":400}");
        assertThat(sync.status()).as(sync.toString()).isEqualTo(200);
        JsonNode syncJob = pipeline.awaitJob(sync.header("X-Job-Id").orElseThrow());
        Instant syncDone = Instant.parse(syncJob.get("finished_at").asText());

        int startedAndFinishedBefore = 0;
        for (String id : backlog) {
            JsonNode s = pipeline.status(id);
            if (s.hasNonNull("started_at") && s.hasNonNull("finished_at")
                    && Instant.parse(s.get("started_at").asText()).isAfter(callMade)
                    && Instant.parse(s.get("finished_at").asText()).isBefore(syncDone)) {
                startedAndFinishedBefore++;
            }
        }
        // The bulk job running when the call was made finishes first. Of those behind it at most one more may: the
        // one that took the slot in the few milliseconds before the sync request reached the worker. Without the
        // priority the whole backlog (five jobs of 30 s audio) would.
        assertThat(startedAndFinishedBefore).isLessThanOrEqualTo(1);
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
