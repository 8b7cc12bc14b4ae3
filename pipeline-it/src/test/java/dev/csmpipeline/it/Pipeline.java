package dev.csmpipeline.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.csmpipeline.ingest.IngestApplication;
import dev.csmpipeline.model.SynthesisRequest;
import dev.csmpipeline.model.Topics;
import dev.csmpipeline.model.WireJson;
import dev.csmpipeline.storage.service.StorageServiceApplication;
import dev.csmpipeline.testsupport.Http;
import dev.csmpipeline.testsupport.PipelineInfra;
import dev.csmpipeline.testsupport.PipelineInfraExtension;
import dev.csmpipeline.testsupport.RunningService;
import dev.csmpipeline.testsupport.TopicRecords;
import dev.csmpipeline.worker.WorkerApplication;
import dev.csmpipeline.worker.WorkerProperties;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import tools.jackson.databind.JsonNode;

/**
 * The services of the pipeline started in this JVM against a test infrastructure, and the calls tests make. A test
 * class of {@code @WithPipelineInfra} declares the services it needs once:
 *
 * <pre>{@code
 * @RegisterExtension
 * static final Pipeline pipeline = Pipeline.started(p -> {
 *     p.startIngest(Map.of());
 *     p.startWorker(Map.of());
 * });
 * }</pre>
 *
 * They start before the class's first test, on the class's infrastructure, and stop after its last.
 */
public final class Pipeline implements BeforeAllCallback, AfterAllCallback, AutoCloseable {

    /** Final states of jobs and narrations; READY and DELETED are a voice's. */
    static final Set<String> TERMINAL = Set.of("SUCCEEDED", "FAILED", "CANCELLED", "EXPIRED", "READY", "DELETED");

    private final Consumer<Pipeline> setUp;
    private final List<RunningService> ingests = new ArrayList<>();
    private final List<RunningService> workers = new ArrayList<>();
    private final List<RunningService> storages = new ArrayList<>();
    private PipelineInfra infra;

    private Pipeline(Consumer<Pipeline> setUp) {
        this.setUp = setUp;
    }

    /** Services started by {@code setUp} before the test class runs, and stopped after it. */
    public static Pipeline started(Consumer<Pipeline> setUp) {
        return new Pipeline(setUp);
    }

    @Override
    public void beforeAll(ExtensionContext context) {
        infra = PipelineInfraExtension.infra(context);
        setUp.accept(this);
    }

    @Override
    public void afterAll(ExtensionContext context) {
        close();
    }

    /** The broker and S3 server the services run on. */
    public PipelineInfra infra() {
        return infra;
    }

    public RunningService startIngest(Map<String, Object> overrides) {
        Map<String, Object> props = new HashMap<>(Map.of("ingest.instance-id", "ingest-" + ingests.size()));
        props.putAll(overrides);
        RunningService s = RunningService.start(IngestApplication.builder(), infra, props);
        ingests.add(s);
        return s;
    }

    public RunningService startWorker(Map<String, Object> overrides) {
        // One ONNX Runtime thread per worker: tests run several workers and the broker on two cores.
        Map<String, Object> props = new HashMap<>(Map.of("worker.id", "worker-" + workers.size(), "tts.threads", 1));
        props.putAll(overrides);
        RunningService s = RunningService.start(WorkerApplication.builder(), infra, props);
        workers.add(s);
        return s;
    }

    /**
     * Waits until the workers' two groups (bulk and interactive) are stable with every request partition assigned, so
     * that what a test times next is the workers' scheduling, not a rebalance still under way after a start.
     */
    public void awaitWorkersAssigned() {
        String group = WorkerProperties.DEFAULT_GROUP_ID;
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200)).until(() ->
                TopicRecords.fullyAssigned(infra.kafkaBootstrapServers(), group, Topics.REQUESTS)
                        && TopicRecords.fullyAssigned(infra.kafkaBootstrapServers(),
                        WorkerProperties.interactiveGroupId(group), Topics.REQUESTS_INTERACTIVE));
    }

    /** The running worker whose id is {@code workerId}. */
    RunningService worker(String workerId) {
        return workers.stream().filter(w -> w.context().isActive())
                .filter(w -> workerId.equals(w.context().getEnvironment().getProperty("worker.id")))
                .findFirst().orElseThrow(() -> new IllegalArgumentException("no running worker " + workerId));
    }

    /** The workers still running. */
    List<RunningService> runningWorkers() {
        return workers.stream().filter(w -> w.context().isActive()).toList();
    }

    RunningService startStorage() {
        RunningService s = RunningService.start(StorageServiceApplication.builder(), infra, Map.of());
        storages.add(s);
        return s;
    }

    public RunningService ingest() {
        return ingests.get(0);
    }

    /** Submits an async job; returns its id. */
    public String submit(String json) {
        Http.Response r = Http.postJson(ingest().url("/v1/jobs"), json);
        assertThat(r.status()).as(r.toString()).isEqualTo(202);
        return r.json().get("id").asText();
    }

    public JsonNode status(String id) {
        return Http.get(ingest().url("/v1/jobs/" + id)).json();
    }

    /** Waits until the job ends; returns its final status. */
    JsonNode awaitEnd(String path, Duration limit) {
        JsonNode[] last = new JsonNode[1];
        await().atMost(limit).pollInterval(Duration.ofMillis(100)).until(() -> {
            last[0] = Http.get(ingest().url(path)).json();
            return TERMINAL.contains(last[0].path("state").asText());
        });
        return last[0];
    }

    public JsonNode awaitJob(String id) {
        return awaitEnd("/v1/jobs/" + id, Duration.ofSeconds(120));
    }

    /** Waits until the job reaches {@code state}. */
    public void awaitState(String id, String state) {
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(50))
                .until(() -> status(id).path("state").asText().equals(state));
    }

    /**
     * Waits until the request of a sync call for {@code text} is in Kafka: from then on the call waits for its reply
     * (a stopping ingest instance fails it rather than letting it wait).
     */
    public void awaitSyncRequestWritten(String text) {
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(100)).until(() -> TopicRecords
                .read(infra.kafkaBootstrapServers(), Topics.REQUESTS_INTERACTIVE).stream()
                .anyMatch(r -> text.equals(WireJson.decode(r.value(), SynthesisRequest.class).text())));
    }

    @Override
    public void close() {
        for (List<RunningService> group : List.of(ingests, workers, storages)) {
            for (RunningService s : group) {
                try {
                    s.close();
                } catch (RuntimeException e) {
                    // already stopped by the test
                }
            }
        }
    }
}
