package dev.csmpipeline.bench;

import dev.csmpipeline.ingest.IngestApplication;
import dev.csmpipeline.model.Topics;
import dev.csmpipeline.storage.service.StorageServiceApplication;
import dev.csmpipeline.testsupport.Http;
import dev.csmpipeline.testsupport.PipelineInfra;
import dev.csmpipeline.testsupport.PipelineInfraExtension;
import dev.csmpipeline.testsupport.RunningService;
import dev.csmpipeline.testsupport.TopicRecords;
import dev.csmpipeline.worker.WorkerApplication;
import dev.csmpipeline.worker.WorkerProperties;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import tools.jackson.databind.JsonNode;

/** A pipeline in this JVM for a benchmark: a real broker and S3 server, the API, workers. */
final class Harness implements AutoCloseable {

    static final Set<String> TERMINAL = Set.of("SUCCEEDED", "FAILED", "CANCELLED", "EXPIRED", "READY");

    final PipelineInfra infra;
    final RunningService ingest;
    final List<RunningService> workers = new ArrayList<>();
    RunningService storage;

    /**
     * The broker runs in this JVM, or with {@code -Dbench.childBroker=true} in a child JVM of its own (kafka.Kafka on
     * a fixed port), as in production where broker and services do not share a heap.
     */
    Harness(int requestPartitions) {
        this(requestPartitions, Map.of());
    }

    /** With the API's properties {@code ingestOverrides} (names as {@code ingest.sync-real-time-factor}). */
    Harness(int requestPartitions, Map<String, Object> ingestOverrides) {
        infra = PipelineInfraExtension.start(Boolean.getBoolean("bench.childBroker"), requestPartitions);
        ingest = RunningService.start(IngestApplication.builder(), infra, ingestOverrides);
    }

    void startStorageService() {
        storage = RunningService.start(StorageServiceApplication.builder(), infra, Map.of());
    }

    RunningService startWorker(Map<String, Object> overrides) {
        Map<String, Object> props = new HashMap<>(Map.of("worker.id", "bench-worker-" + workers.size()));
        props.putAll(overrides);
        RunningService w = RunningService.start(WorkerApplication.builder(), infra, props);
        workers.add(w);
        return w;
    }

    /** Stops every worker started so far; their jobs in hand go back to Kafka for the next worker. */
    void stopWorkers() {
        workers.forEach(RunningService::close);
        workers.clear();
    }

    /** Waits until the running workers hold every partition of both request topics, so a run starts at once. */
    void awaitWorkersAssigned() throws InterruptedException {
        String kafka = infra.kafkaBootstrapServers();
        String bulk = WorkerProperties.DEFAULT_GROUP_ID;
        String interactive = WorkerProperties.interactiveGroupId(bulk);
        long end = System.nanoTime() + Duration.ofSeconds(90).toNanos();
        while (!(TopicRecords.fullyAssigned(kafka, bulk, Topics.REQUESTS)
                && TopicRecords.fullyAssigned(kafka, interactive, Topics.REQUESTS_INTERACTIVE))) {
            if (System.nanoTime() > end) {
                throw new IllegalStateException("the workers were not assigned the request topics within 90 s");
            }
            Thread.sleep(200);
        }
    }

    /** What a run of jobs submitted at once did: {@code seconds} from the first submit to the last end. */
    record Run(int jobs, double seconds, long frames) {
        double jobsPerSecond() {
            return jobs / seconds;
        }
    }

    /** Submits every body at once, waits for all to succeed, and times them by their {@code finished_at}. */
    Run runJobs(List<String> bodies) throws InterruptedException {
        List<String> ids = new ArrayList<>();
        Instant start = Instant.now();
        for (String body : bodies) {
            ids.add(submit(body));
        }
        Instant last = start;
        long frames = 0;
        for (String id : ids) {
            JsonNode s = awaitEnd("/v1/jobs/" + id, Duration.ofMinutes(10));
            if (!"SUCCEEDED".equals(s.path("state").asText())) {
                throw new IllegalStateException("job " + id + " ended " + s);
            }
            Instant finished = Instant.parse(s.get("finished_at").asText());
            last = finished.isAfter(last) ? finished : last;
            frames += s.at("/result/frames").asLong();
        }
        return new Run(bodies.size(), Duration.between(start, last).toNanos() / 1e9, frames);
    }

    String submit(String json) {
        Http.Response r = Http.postJson(ingest.url("/v1/jobs"), json);
        if (r.status() != 202) {
            throw new IllegalStateException("submit failed: " + r);
        }
        return r.json().get("id").asText();
    }

    JsonNode awaitEnd(String path, Duration limit) throws InterruptedException {
        long end = System.nanoTime() + limit.toNanos();
        while (System.nanoTime() < end) {
            JsonNode s = Http.get(ingest.url(path)).json();
            if (TERMINAL.contains(s.path("state").asText())) {
                return s;
            }
            Thread.sleep(20);
        }
        throw new IllegalStateException(path + " did not end within " + limit);
    }

    /** Seconds from submitting narration {@code body} to its assembled audio; fails unless it SUCCEEDED. */
    double narrate(String body) throws InterruptedException {
        long t0 = System.nanoTime();
        Http.Response r = Http.postJson(ingest.url("/v1/narrations"), body);
        if (r.status() != 202) {
            throw new IllegalStateException("narration refused: " + r);
        }
        String id = r.json().get("id").asText();
        String state = awaitEnd("/v1/narrations/" + id, Duration.ofMinutes(10)).path("state").asText();
        if (!"SUCCEEDED".equals(state)) {
            throw new IllegalStateException("narration " + id + " ended " + state);
        }
        return (System.nanoTime() - t0) / 1e9;
    }

    @Override
    public void close() {
        workers.forEach(RunningService::close);
        if (storage != null) {
            storage.close();
        }
        ingest.close();
        PipelineInfraExtension.close(infra);
    }
}
