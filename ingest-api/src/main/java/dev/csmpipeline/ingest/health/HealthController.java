package dev.csmpipeline.ingest.health;

import dev.csmpipeline.model.JobStatus;
import dev.csmpipeline.model.WorkerHeartbeat;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.tags.Tag;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * {@code GET /health} in the spirit of the self-hosted CSM server ({@code status}, {@code model_loaded},
 * {@code device}), reporting the pipeline behind it; 503 when it cannot serve.
 */
@Tag(name = "Compatibility", description = "The self-hosted CSM server's API")
@RestController
public class HealthController {

    private final PipelineHealth health;

    public HealthController(PipelineHealth health) {
        this.health = health;
    }

    @Operation(summary = "Whether the pipeline can serve", description = "200 with status healthy when the broker, "
            + "storage, the status table and at least one worker are up; 503 with the problems otherwise.")
    @GetMapping("/health")
    public ResponseEntity<Map<String, Object>> health() {
        PipelineHealth.Report r = health.check();
        List<WorkerHeartbeat> workers = r.workers();
        WorkerHeartbeat any = workers.isEmpty() ? null : workers.get(0);
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("status", r.canServe() ? "healthy" : "unhealthy");
        body.put("model_loaded", any != null);
        body.put("model", any == null ? null : any.model());
        body.put("device", any == null ? null : any.device());
        if (any != null && !"pretrained".equals(any.modelKind())) {
            body.put("notice", "model: " + any.model() + ", output is not speech"
                    + (any.model().startsWith(JobStatus.TINY_RANDOM_MODEL) ? " (set CSM_MODEL_DIR on the workers)" : ""));
        }
        body.put("problems", r.problems());
        body.put("pipeline", Map.of(
                "broker", Map.of("reachable", r.brokerReachable(), "bootstrap_servers", health.bootstrap()),
                "storage", Map.of("reachable", r.storageReachable()),
                "status_table", r.statusTable(),
                "workers", workers.stream().map(w -> Map.of(
                        "id", w.workerId(), "model", w.model(), "model_kind", w.modelKind(), "device", w.device(),
                        "busy", w.busy(), "jobs_done", w.jobsDone(),
                        "last_seen_ms_ago", Duration.between(w.at(), r.at()).toMillis())).toList()));
        return ResponseEntity.status(r.canServe() ? HttpStatus.OK : HttpStatus.SERVICE_UNAVAILABLE).body(body);
    }
}
