package dev.csmpipeline.ingest.status;

import dev.csmpipeline.model.JobKind;
import dev.csmpipeline.model.JobState;
import dev.csmpipeline.model.JobStatus;
import dev.csmpipeline.model.NarrationProgress;
import dev.csmpipeline.model.WireJson;
import io.swagger.v3.oas.annotations.Hidden;
import java.util.List;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/**
 * Answers other ingest instances about the table partitions this one owns. Wire JSON, not for clients; the API key
 * filter keeps it to the fleet's internal token.
 */
@Hidden
@RestController
public class InternalStatusController {

    private final StatusQueries queries;

    public InternalStatusController(StatusQueries queries) {
        this.queries = queries;
    }

    @GetMapping(path = "/internal/stores/{store}/{key}", produces = MediaType.APPLICATION_JSON_VALUE)
    public ResponseEntity<byte[]> value(@PathVariable String store, @PathVariable String key) {
        Class<?> type = switch (store) {
            case StatusTopology.STATUS_STORE -> JobStatus.class;
            case StatusTopology.NARRATION_STORE -> NarrationProgress.class;
            default -> null;
        };
        if (type == null) {
            return ResponseEntity.notFound().build();
        }
        return queries.findLocal(store, key, type).map(v -> ResponseEntity.ok(WireJson.encode(v)))
                .orElse(ResponseEntity.notFound().build());
    }

    @GetMapping(path = "/internal/status", produces = MediaType.APPLICATION_JSON_VALUE)
    public byte[] list(@RequestParam String tenant, @RequestParam(required = false) String state,
                       @RequestParam(required = false) String kind, @RequestParam(required = false) String before,
                       @RequestParam int limit) {
        JobQuery q = new JobQuery(tenant, blank(state) ? null : JobState.valueOf(state),
                blank(kind) ? null : JobKind.valueOf(kind), blank(before) ? null : before, limit);
        List<JobStatus> page = queries.listLocal(q);
        return WireJson.encode(page);
    }

    @GetMapping(path = "/internal/idempotency", produces = MediaType.TEXT_PLAIN_VALUE)
    public ResponseEntity<String> idempotency(@RequestParam String tenant, @RequestParam String key) {
        return queries.idempotentJob(tenant, key).map(ResponseEntity::ok).orElse(ResponseEntity.notFound().build());
    }

    private static boolean blank(String s) {
        return s == null || s.isBlank();
    }
}
