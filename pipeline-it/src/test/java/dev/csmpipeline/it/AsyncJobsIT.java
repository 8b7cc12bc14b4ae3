package dev.csmpipeline.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.csmpipeline.model.EventType;
import dev.csmpipeline.model.JobEvent;
import dev.csmpipeline.model.Topics;
import dev.csmpipeline.model.WireJson;
import dev.csmpipeline.model.audio.Wav;
import dev.csmpipeline.storage.client.ObjectStorage;
import dev.csmpipeline.testsupport.Http;
import dev.csmpipeline.testsupport.PipelineInfra;
import dev.csmpipeline.testsupport.RunningService;
import dev.csmpipeline.testsupport.WithPipelineInfra;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
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
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * Async jobs end to end: the ingest API, two workers running the tiny CSM model, a real broker and S3 server.
 */
@WithPipelineInfra
class AsyncJobsIT {

    private static Pipeline pipeline;
    private static PipelineInfra infra;

    @BeforeAll
    static void start(PipelineInfra pipelineInfra) {
        infra = pipelineInfra;
        pipeline = new Pipeline(infra);
        pipeline.startIngest(Map.of());
        pipeline.startWorker(WORKER);
        pipeline.startWorker(WORKER);
    }

    /** A stopping worker leaves a job in hand after 1 s, so the stop test need not wait out the default grace. */
    private static final Map<String, Object> WORKER = Map.of("worker.shutdown-grace", "PT1S");

    @AfterAll
    static void stop() {
        pipeline.close();
    }

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
    void servicesExposeJobCountsRealTimeFactorQueueWaitAndConsumerLagToPrometheus() {
        String id = pipeline.submit("{\"text\":\"Count me.\",\"max_audio_length_ms\":400}");
        JsonNode done = pipeline.awaitJob(id);
        String ingest = Http.get(pipeline.ingest().url("/actuator/prometheus")).text();
        assertThat(ingest).contains("tts_jobs_accepted_total{kind=\"async\"");
        String worker = Http.get(pipeline.worker(done.get("worker_id").asText()).url("/actuator/prometheus")).text();
        assertThat(worker).contains("tts_worker_jobs_total{", "outcome=\"succeeded\"", "tts_synthesis_rtf_count",
                "tts_queue_wait_seconds_count", "kafka_consumer_fetch_manager_records_lag");
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
        return new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, infra.kafkaBootstrapServers()),
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
    void idleWorkersLeaveNoLagBehindTransactionMarkers() throws Exception {
        String id = pipeline.submit("{\"text\":\"Then rest.\",\"max_audio_length_ms\":160}");
        assertThat(pipeline.awaitJob(id).get("state").asText()).isEqualTo("SUCCEEDED");
        try (org.apache.kafka.clients.admin.Admin admin = org.apache.kafka.clients.admin.Admin.create(Map.of(
                "bootstrap.servers", infra.kafkaBootstrapServers()))) {
            // The API's transaction markers sit after the last request; idle workers commit past them.
            await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofSeconds(2))
                    .untilAsserted(() -> assertThat(lag(admin, Topics.REQUESTS)).isZero());
        }
    }

    private static long lag(org.apache.kafka.clients.admin.Admin admin, String topic) throws Exception {
        Map<org.apache.kafka.common.TopicPartition, org.apache.kafka.clients.consumer.OffsetAndMetadata> committed =
                admin.listConsumerGroupOffsets(dev.csmpipeline.worker.WorkerProperties.DEFAULT_GROUP_ID)
                        .partitionsToOffsetAndMetadata().get(10, TimeUnit.SECONDS);
        Map<org.apache.kafka.common.TopicPartition, org.apache.kafka.clients.admin.OffsetSpec> latest = new HashMap<>();
        admin.describeTopics(List.of(topic)).allTopicNames().get(10, TimeUnit.SECONDS).get(topic).partitions()
                .forEach(p -> latest.put(new org.apache.kafka.common.TopicPartition(topic, p.partition()),
                        org.apache.kafka.clients.admin.OffsetSpec.latest()));
        long lag = 0;
        for (var e : admin.listOffsets(latest).all().get(10, TimeUnit.SECONDS).entrySet()) {
            var c = committed.get(e.getKey());
            lag += e.getValue().offset() - (c == null ? 0 : c.offset());
        }
        return lag;
    }

    private static List<String> readKeys(String topic) {
        List<String> keys = new ArrayList<>();
        consume(topic, r -> keys.add(r.key()));
        return keys;
    }

    private static Map<String, List<JobEvent>> eventsOf(Set<String> ids) {
        Map<String, List<JobEvent>> out = new HashMap<>();
        ids.forEach(id -> out.put(id, new ArrayList<>()));
        consume(Topics.EVENTS, r -> {
            if (ids.contains(r.key())) {
                out.get(r.key()).add(WireJson.decode(r.value(), JobEvent.class));
            }
        });
        return out;
    }

    private static void consume(String topic, java.util.function.Consumer<ConsumerRecord<String, byte[]>> sink) {
        try (KafkaConsumer<String, byte[]> c = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, infra.kafkaBootstrapServers(),
                ConsumerConfig.GROUP_ID_CONFIG, "it-" + UUID.randomUUID(),
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest"), new StringDeserializer(),
                new ByteArrayDeserializer())) {
            c.subscribe(List.of(topic));
            long end = System.nanoTime() + Duration.ofSeconds(20).toNanos();
            boolean assigned = false;
            while (System.nanoTime() < end) {
                c.poll(Duration.ofMillis(200)).forEach(sink);
                if (!c.assignment().isEmpty()) {
                    assigned = true;
                    Map<org.apache.kafka.common.TopicPartition, Long> ends = c.endOffsets(c.assignment());
                    if (ends.entrySet().stream().allMatch(e -> c.position(e.getKey()) >= e.getValue())) {
                        break;
                    }
                }
            }
            assertThat(assigned).isTrue();
        }
    }
}
