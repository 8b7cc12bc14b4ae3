package dev.csmpipeline.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.csmpipeline.model.EventType;
import dev.csmpipeline.model.JobEvent;
import dev.csmpipeline.model.Topics;
import dev.csmpipeline.model.audio.Wav;
import dev.csmpipeline.storage.client.ObjectStorage;
import dev.csmpipeline.testsupport.Http;
import dev.csmpipeline.testsupport.RunningService;
import dev.csmpipeline.testsupport.TopicRecords;
import dev.csmpipeline.testsupport.WithPipelineInfra;
import dev.csmpipeline.worker.WorkerProperties;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import tools.jackson.databind.JsonNode;

/**
 * Async jobs end to end: the ingest API, two workers running the tiny CSM model, a real broker and S3 server.
 */
@WithPipelineInfra
class AsyncJobsIT {

    /** A stopping worker leaves a job in hand after 1 s, so the stop test need not wait out the default grace. */
    private static final Map<String, Object> WORKER = Map.of("worker.shutdown-grace", "PT1S");

    @RegisterExtension
    static final Pipeline pipeline = Pipeline.started(p -> {
        p.startIngest(Map.of());
        p.startWorker(WORKER);
        p.startWorker(WORKER);
    });

    @Test
    void submittedJobSucceedsAndItsAudioIsAWavOfTheStatedDuration() {
        String id = pipeline.submit("{\"text\":\"Hello from Maya!\",\"speaker_id\":0,\"max_audio_length_ms\":800}");
        JsonNode done = pipeline.awaitJob(id);
        assertThat(done.get("state").asText()).as(done.toString()).isEqualTo("SUCCEEDED");
        Http.Response audio = Http.get(pipeline.ingest().url("/v1/jobs/" + id + "/audio"));
        assertThat(audio.status()).isEqualTo(200);
        Wav.Info wav = Wav.read(audio.body());
        assertThat(wav.sampleRate()).isEqualTo(24_000);
        assertThat(wav.durationMs()).isEqualTo(done.get("result").get("duration_ms").asLong()).isPositive();
        assertThat(wav.samples() % 1920).isZero();
        assertThat(done.get("result").get("sha256").asText()).isEqualTo(ObjectStorage.sha256Hex(audio.body()));
        assertThat(done.get("model").asText()).isNotBlank();
    }

    @Test
    void servicesCountTheJobAndItsRealTimeFactorAndQueueWaitInPrometheus() {
        Map<String, String> workersBefore = new HashMap<>();
        pipeline.runningWorkers().forEach(w -> workersBefore.put(w.context().getEnvironment()
                .getProperty("worker.id"), scrape(w)));
        String ingestBefore = scrape(pipeline.ingest());

        String id = pipeline.submit("{\"text\":\"Count me.\",\"max_audio_length_ms\":400}");
        JsonNode done = pipeline.awaitJob(id);
        assertThat(done.get("state").asText()).isEqualTo("SUCCEEDED");
        String workerId = done.get("worker_id").asText();
        RunningService worker = pipeline.worker(workerId);
        String before = workersBefore.get(workerId);
        // The meters of this job moved on the worker that ran it (they exist from the start, so presence says little).
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            String after = scrape(worker);
            for (String[] meter : List.of(
                    new String[] {"tts_worker_jobs_total", "outcome=\"succeeded\""},
                    new String[] {"tts_synthesis_rtf_count"}, new String[] {"tts_synthesis_rtf_sum"},
                    new String[] {"tts_queue_wait_seconds_count"}, new String[] {"tts_audio_seconds_total"})) {
                String name = meter[0];
                String[] labels = Arrays.copyOfRange(meter, 1, meter.length);
                assertThat(prometheusValue(after, name, labels)).as(name + " of " + workerId)
                        .isGreaterThan(prometheusValue(before, name, labels));
            }
            assertThat(prometheusValue(scrape(pipeline.ingest()), "tts_jobs_accepted_total", "kind=\"async\""))
                    .isEqualTo(prometheusValue(ingestBefore, "tts_jobs_accepted_total", "kind=\"async\"") + 1);
        });
        assertThat(scrape(worker)).contains("kafka_consumer_fetch_manager_records_lag");
    }

    private static String scrape(RunningService service) {
        return Http.get(service.url("/actuator/prometheus")).text();
    }

    /** The sum of a meter's samples whose labels include all of {@code labels}; 0 when it has none. */
    private static double prometheusValue(String scrape, String name, String... labels) {
        double sum = 0;
        for (String line : scrape.split("\n")) {
            if (line.startsWith(name + "{") || line.startsWith(name + " ")) {
                int end = line.lastIndexOf(' ');
                String series = line.substring(0, end);
                if (Arrays.stream(labels).allMatch(series::contains)) {
                    sum += Double.parseDouble(line.substring(end + 1));
                }
            }
        }
        return sum;
    }

    @Test
    void twentyConcurrentJobsOverTwoWorkersAllSucceedEachExactlyOnce() throws Exception {
        ExecutorService clients = Executors.newFixedThreadPool(8);
        List<Future<String>> submits = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            int n = i;
            submits.add(clients.submit(() -> pipeline.submit("{\"text\":\"Concurrent job number " + n
                    + ".\",\"speaker_id\":" + (n % 4) + ",\"max_audio_length_ms\":400}")));
        }
        List<String> ids = new ArrayList<>();
        for (Future<String> f : submits) {
            ids.add(f.get(60, TimeUnit.SECONDS));
        }
        clients.shutdown();
        Set<String> workersSeen = new HashSet<>();
        for (String id : ids) {
            JsonNode done = pipeline.awaitJob(id);
            assertThat(done.get("state").asText()).isEqualTo("SUCCEEDED");
            assertThat(done.get("attempts").asInt()).isEqualTo(1);
        }
        Map<String, List<JobEvent>> events = eventsOf(new HashSet<>(ids));
        for (String id : ids) {
            List<JobEvent> succeeded = events.get(id).stream().filter(e -> e.type() == EventType.SUCCEEDED).toList();
            assertThat(succeeded).as("SUCCEEDED events of " + id).hasSize(1);
            events.get(id).stream().filter(e -> e.workerId() != null).forEach(e -> workersSeen.add(e.workerId()));
        }
        assertThat(workersSeen).as("both workers took jobs").hasSize(2);
    }

    /** Records no API would write: unreadable bytes, the wrong JSON shape, wrong types, invalid values. */
    private static final List<byte[]> MALFORMED_REQUESTS = List.of(
            "{not json".getBytes(StandardCharsets.UTF_8),
            new byte[0],
            new byte[] {(byte) 0xff, 0x00, (byte) 0xfe, 0x7f, 0x01},
            "[1,2,3]".getBytes(StandardCharsets.UTF_8),
            "\"just a string\"".getBytes(StandardCharsets.UTF_8),
            "{\"job_id\":12,\"text\":{\"nested\":true},\"speaker_id\":\"zero\"}".getBytes(StandardCharsets.UTF_8),
            ("{\"job_id\":\"" + UUID.randomUUID() + "\",\"kind\":\"ASYNC\",\"text\":\"   \",\"speaker_id\":99,"
                    + "\"max_audio_length_ms\":-5}").getBytes(StandardCharsets.UTF_8),
            ("{\"job_id\":\"" + UUID.randomUUID() + "\",\"kind\":\"TELEPATHY\",\"text\":\"Hi.\"}")
                    .getBytes(StandardCharsets.UTF_8));

    @Test
    void everyMalformedRequestRecordGoesToTheDeadLetterTopicAndTheNextJobStillRuns() throws Exception {
        String prefix = "poison-" + UUID.randomUUID() + "-";
        try (KafkaProducer<String, byte[]> p = rawProducer()) {
            for (int i = 0; i < MALFORMED_REQUESTS.size(); i++) {
                // Spread over the partitions, so each worker meets some of them.
                p.send(new ProducerRecord<>(Topics.REQUESTS, i % 4, prefix + i, MALFORMED_REQUESTS.get(i)))
                        .get(10, TimeUnit.SECONDS);
            }
        }
        String id = pipeline.submit("{\"text\":\"After the poison.\",\"max_audio_length_ms\":400}");
        assertThat(pipeline.awaitJob(id).get("state").asText()).isEqualTo("SUCCEEDED");
        await().atMost(Duration.ofSeconds(90)).untilAsserted(() ->
                assertThat(readKeys(Topics.dlt(Topics.REQUESTS))).filteredOn(k -> k != null && k.startsWith(prefix))
                        .as("each malformed record dead-lettered exactly once")
                        .hasSize(MALFORMED_REQUESTS.size()).doesNotHaveDuplicates());
    }

    @Test
    void everyUnreadableEventGoesToTheDeadLetterTopicAndTheStatusTableKeepsUp() throws Exception {
        String prefix = "bad-event-" + UUID.randomUUID() + "-";
        List<byte[]> unreadable = MALFORMED_REQUESTS.subList(0, 6);
        try (KafkaProducer<String, byte[]> p = rawProducer()) {
            for (int i = 0; i < unreadable.size(); i++) {
                p.send(new ProducerRecord<>(Topics.EVENTS, prefix + i, unreadable.get(i))).get(10, TimeUnit.SECONDS);
            }
        }
        String id = pipeline.submit("{\"text\":\"Status after bad events.\",\"max_audio_length_ms\":400}");
        assertThat(pipeline.awaitJob(id).get("state").asText()).isEqualTo("SUCCEEDED");
        await().atMost(Duration.ofSeconds(90)).untilAsserted(() ->
                assertThat(readKeys(Topics.dlt(Topics.EVENTS))).filteredOn(k -> k != null && k.startsWith(prefix))
                        .hasSize(unreadable.size()));
    }

    private static KafkaProducer<String, byte[]> rawProducer() {
        return new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
                pipeline.infra().kafkaBootstrapServers()),
                new StringSerializer(), new ByteArraySerializer());
    }

    @Test
    void aJobOfAWorkerStoppedMidJobIsCompletedByAnother() {
        String id = pipeline.submit("{\"text\":\"Finish what another began.\",\"max_audio_length_ms\":30000}");
        pipeline.awaitState(id, "RUNNING");
        String first = pipeline.status(id).get("worker_id").asText();
        pipeline.worker(first).close();
        pipeline.startWorker(WORKER); // the fleet stays two strong for the other tests
        JsonNode done = pipeline.awaitJob(id);
        assertThat(done.get("state").asText()).as(done.toString()).isEqualTo("SUCCEEDED");
        assertThat(done.get("worker_id").asText()).isNotEqualTo(first);
        assertThat(done.get("attempts").asInt()).isEqualTo(2);
        List<JobEvent> succeeded = eventsOf(Set.of(id)).get(id).stream()
                .filter(e -> e.type() == EventType.SUCCEEDED).toList();
        assertThat(succeeded).hasSize(1);
    }

    @Test
    void cancellingARunningJobStopsItBetweenFrames() {
        String id = pipeline.submit("{\"text\":\"Stop me.\",\"max_audio_length_ms\":60000}");
        pipeline.awaitState(id, "RUNNING");
        Http.Response r = Http.delete(pipeline.ingest().url("/v1/jobs/" + id));
        assertThat(r.status()).isIn(200, 202);
        JsonNode done = pipeline.awaitJob(id);
        assertThat(done.get("state").asText()).isEqualTo("CANCELLED");
        assertThat(done.get("progress").get("frames_done").asInt()).isLessThan(750);
    }

    @Test
    void idleWorkersLeaveNoLagBehindTransactionMarkers() {
        String id = pipeline.submit("{\"text\":\"Then rest.\",\"max_audio_length_ms\":160}");
        assertThat(pipeline.awaitJob(id).get("state").asText()).isEqualTo("SUCCEEDED");
        // The API's transaction markers sit after the last request; idle workers commit past them.
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofSeconds(2)).untilAsserted(() ->
                assertThat(TopicRecords.lag(pipeline.infra().kafkaBootstrapServers(),
                        WorkerProperties.DEFAULT_GROUP_ID, Topics.REQUESTS)).isZero());
    }

    private static List<String> readKeys(String topic) {
        return TopicRecords.read(pipeline.infra().kafkaBootstrapServers(), topic).stream()
                .map(ConsumerRecord::key).toList();
    }

    private static Map<String, List<JobEvent>> eventsOf(Set<String> ids) {
        Map<String, List<JobEvent>> out = new HashMap<>();
        ids.forEach(id -> out.put(id, new ArrayList<>()));
        TopicRecords.events(pipeline.infra().kafkaBootstrapServers(), ids::contains)
                .forEach(e -> out.get(e.jobId()).add(e));
        return out;
    }
}
