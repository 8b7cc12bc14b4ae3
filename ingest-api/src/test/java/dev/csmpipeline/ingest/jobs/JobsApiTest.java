package dev.csmpipeline.ingest.jobs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.csmpipeline.ingest.IngestApplication;
import dev.csmpipeline.model.AudioResult;
import dev.csmpipeline.model.ControlCommand;
import dev.csmpipeline.model.JobEvent;
import dev.csmpipeline.model.SynthesisRequest;
import dev.csmpipeline.model.Topics;
import dev.csmpipeline.model.WireJson;
import dev.csmpipeline.model.audio.Wav;
import dev.csmpipeline.storage.client.ObjectStorage;
import dev.csmpipeline.testsupport.Http;
import dev.csmpipeline.testsupport.PipelineInfra;
import dev.csmpipeline.testsupport.RunningService;
import dev.csmpipeline.testsupport.TopicRecords;
import dev.csmpipeline.testsupport.WithPipelineInfra;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * The jobs API against a real broker and S3 server. Workers are played by the test: it reads the requests the API
 * wrote and writes the events a worker would, so the API's own behaviour is what is specified here. The whole
 * pipeline with real workers and the model is specified in pipeline-it.
 */
@WithPipelineInfra
class JobsApiTest {

    private static RunningService api;
    private static KafkaProducer<String, byte[]> producer;
    private static PipelineInfra infra;

    @BeforeAll
    static void start(PipelineInfra pipelineInfra) {
        infra = pipelineInfra;
        api = RunningService.start(IngestApplication.builder(), infra, Map.of());
        producer = new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, infra.kafkaBootstrapServers()),
                new StringSerializer(), new ByteArraySerializer());
    }

    @AfterAll
    static void stop() {
        producer.close();
        api.close();
    }

    private static Http.Response submit(String json, String... headers) {
        return Http.postJson(api.url("/v1/jobs"), json, headers);
    }

    private static String submitValid() {
        Http.Response r = submit("{\"text\":\"Hello from Maya!\",\"speaker_id\":0,\"max_audio_length_ms\":2000}");
        assertThat(r.status()).as(r.toString()).isEqualTo(202);
        return r.json().get("id").asText();
    }

    private static void workerEvent(JobEvent event) throws Exception {
        producer.send(new ProducerRecord<>(Topics.EVENTS, event.jobId(), WireJson.encode(event)))
                .get(10, TimeUnit.SECONDS);
    }

    private static SynthesisRequest requestOf(String jobId) {
        return new SynthesisRequest(jobId, dev.csmpipeline.model.JobKind.ASYNC, "x", 0, 2000, null, null,
                "default", Instant.now(), null, null);
    }

    @Test
    void submitAnswers202WithIdLocationAndStatusUrl() {
        Http.Response r = submit("{\"text\":\"Hello from Maya!\",\"speaker_id\":1,\"max_audio_length_ms\":2000}");
        assertThat(r.status()).isEqualTo(202);
        String id = r.json().get("id").asText();
        assertThat(r.header("Location")).contains("/v1/jobs/" + id);
        assertThat(r.json().get("status_url").asText()).isEqualTo("/v1/jobs/" + id);
        assertThat(r.json().get("state").asText()).isEqualTo("QUEUED");
    }

    @Test
    void aJobJustAcceptedIsFoundAtOnce() {
        for (int i = 0; i < 5; i++) {
            String id = submitValid();
            Http.Response status = Http.get(api.url("/v1/jobs/" + id));
            assertThat(status.status()).as(status.toString()).isEqualTo(200);
            assertThat(status.json().get("state").asText()).isEqualTo("QUEUED");
        }
    }

    @Test
    void submitWritesTheRequestAndItsAcceptedEventToKafka() {
        String id = submitValid();
        List<ConsumerRecord<String, byte[]>> requests = readAll(Topics.REQUESTS, id);
        List<ConsumerRecord<String, byte[]>> events = readAll(Topics.EVENTS, id);
        assertThat(requests).hasSize(1);
        SynthesisRequest request = WireJson.decode(requests.get(0).value(), SynthesisRequest.class);
        assertThat(request.text()).isEqualTo("Hello from Maya!");
        assertThat(request.tenant()).isEqualTo("default");
        assertThat(events).extracting(r -> WireJson.decode(r.value(), JobEvent.class).type().name())
                .contains("ACCEPTED");
    }

    @Test
    void unsetFieldsTakeTheSeedServersDefaults() {
        String id = submit("{\"text\":\"Defaults please\"}").json().get("id").asText();
        SynthesisRequest request = WireJson.decode(readAll(Topics.REQUESTS, id).get(0).value(),
                SynthesisRequest.class);
        assertThat(request.speakerId()).isZero();
        assertThat(request.maxAudioLengthMs()).isEqualTo(10_000);
    }

    @Test
    void repeatWithTheSameIdempotencyKeyReturnsTheSameJob() {
        String key = "order-" + UUID.randomUUID();
        Http.Response first = submit("{\"text\":\"Once only\"}", "Idempotency-Key", key);
        String id = first.json().get("id").asText();
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            Http.Response again = submit("{\"text\":\"Once only\"}", "Idempotency-Key", key);
            assertThat(again.json().get("id").asText()).isEqualTo(id);
            assertThat(again.header("Idempotent-Replayed")).contains("true");
        });
        Http.Response other = submit("{\"text\":\"Once only\"}", "Idempotency-Key", key + "-other");
        assertThat(other.json().get("id").asText()).isNotEqualTo(id);
    }

    @Test
    void statusFollowsTheWorkersEventsToSucceededWithResult() throws Exception {
        String id = submitValid();
        SynthesisRequest r = requestOf(id);
        workerEvent(JobEvent.started(r, "w-test", "tiny-random", "cpu", Instant.now()));
        workerEvent(JobEvent.progress(r, "w-test", 7, Instant.now()));
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            JsonNode s = Http.get(api.url("/v1/jobs/" + id)).json();
            assertThat(s.get("state").asText()).isEqualTo("RUNNING");
            assertThat(s.get("progress").get("frames_done").asInt()).isEqualTo(7);
            assertThat(s.get("notice").asText()).contains("not speech");
        });
        AudioResult audio = new AudioResult("audio/" + id + ".wav", 80, 24_000, 3884, "ab", 1);
        workerEvent(JobEvent.succeeded(r, "w-test", "tiny-random", audio, Instant.now()));
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            JsonNode s = Http.get(api.url("/v1/jobs/" + id)).json();
            assertThat(s.get("state").asText()).isEqualTo("SUCCEEDED");
            assertThat(s.get("result").get("duration_ms").asLong()).isEqualTo(80);
            assertThat(s.get("result").get("sample_rate").asInt()).isEqualTo(24_000);
            assertThat(s.get("result").get("audio_url").asText()).isEqualTo("/v1/jobs/" + id + "/audio");
        });
    }

    @Test
    void audioIs409WithTheStateWhileNotReady() {
        String id = submitValid();
        Http.Response r = Http.get(api.url("/v1/jobs/" + id + "/audio"));
        assertThat(r.status()).isEqualTo(409);
        assertThat(r.json().get("state").asText()).isEqualTo("QUEUED");
    }

    @Test
    void audioIsStreamedWholeAndByRange() throws Exception {
        String id = submitValid();
        byte[] wav = Wav.encode(new float[1920], 24_000);
        String key = "audio/" + id + ".wav";
        try (ObjectStorage storage = infra.newStorage()) {
            storage.put(key, wav, Wav.CONTENT_TYPE);
        }
        workerEvent(JobEvent.succeeded(requestOf(id), "w-test", "tiny-random",
                new AudioResult(key, 80, 24_000, wav.length, ObjectStorage.sha256Hex(wav), 1), Instant.now()));
        await().atMost(Duration.ofSeconds(10)).until(() -> Http.get(api.url("/v1/jobs/" + id + "/audio")).status(),
                s -> s == 200);
        Http.Response whole = Http.get(api.url("/v1/jobs/" + id + "/audio"));
        assertThat(whole.body()).isEqualTo(wav);
        assertThat(whole.header("Content-Type")).contains("audio/wav");
        assertThat(whole.header("Accept-Ranges")).contains("bytes");
        Http.Response part = Http.get(api.url("/v1/jobs/" + id + "/audio"), "Range", "bytes=0-43");
        assertThat(part.status()).isEqualTo(206);
        assertThat(part.body()).hasSize(44).isEqualTo(java.util.Arrays.copyOf(wav, 44));
        assertThat(part.header("Content-Range")).contains("bytes 0-43/" + wav.length);
        Http.Response beyond = Http.get(api.url("/v1/jobs/" + id + "/audio"), "Range", "bytes=99999-");
        assertThat(beyond.status()).isEqualTo(416);
    }

    @Test
    void cancellingAQueuedJobEndsItCancelledAndTellsTheWorkers() {
        String id = submitValid();
        Http.Response r = Http.delete(api.url("/v1/jobs/" + id));
        assertThat(r.status()).as(r.toString()).isEqualTo(200);
        assertThat(r.json().get("state").asText()).isEqualTo("CANCELLED");
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
                assertThat(Http.get(api.url("/v1/jobs/" + id)).json().get("state").asText()).isEqualTo("CANCELLED"));
        List<ConsumerRecord<String, byte[]>> control = readAll(Topics.CONTROL, id);
        assertThat(control).hasSize(1);
        assertThat(WireJson.decode(control.get(0).value(), ControlCommand.class).type())
                .isEqualTo(ControlCommand.Type.CANCEL);
    }

    @Test
    void cancellingARunningJobRequestsItAndLeavesTheEndToTheWorker() throws Exception {
        String id = submitValid();
        workerEvent(JobEvent.started(requestOf(id), "w-test", "tiny-random", "cpu", Instant.now()));
        await().atMost(Duration.ofSeconds(10)).until(() ->
                Http.get(api.url("/v1/jobs/" + id)).json().get("state").asText().equals("RUNNING"));
        Http.Response r = Http.delete(api.url("/v1/jobs/" + id));
        assertThat(r.status()).isEqualTo(202);
        assertThat(r.json().get("cancel_requested").asBoolean()).isTrue();
    }

    @Test
    void cancellingAFinishedJobIs409() throws Exception {
        String id = submitValid();
        workerEvent(JobEvent.cancelled(id, null, "w", Instant.now()));
        await().atMost(Duration.ofSeconds(10)).until(() ->
                Http.get(api.url("/v1/jobs/" + id)).json().get("state").asText().equals("CANCELLED"));
        Http.Response r = Http.delete(api.url("/v1/jobs/" + id));
        assertThat(r.status()).isEqualTo(409);
        assertThat(r.json().get("state").asText()).isEqualTo("CANCELLED");
    }

    @Test
    void listShowsNewestFirstAndFiltersByState() throws Exception {
        String a = submitValid();
        String b = submitValid();
        workerEvent(JobEvent.failed(b, null, "w", new dev.csmpipeline.model.JobError("ENGINE_ERROR", "x"),
                Instant.now()));
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            JsonNode failed = Http.get(api.url("/v1/jobs?state=failed&limit=100")).json().get("jobs");
            List<String> ids = new ArrayList<>();
            failed.forEach(j -> ids.add(j.get("id").asText()));
            assertThat(ids).contains(b).doesNotContain(a);
        });
        JsonNode all = Http.get(api.url("/v1/jobs?limit=500")).json().get("jobs");
        List<String> ids = new ArrayList<>();
        all.forEach(j -> ids.add(j.get("id").asText()));
        assertThat(ids.indexOf(b)).isLessThan(ids.indexOf(a));
    }

    @Test
    void unknownJobIs404WithJson() {
        Http.Response r = Http.get(api.url("/v1/jobs/00000000-0000-0000-0000-000000000000"));
        assertThat(r.status()).isEqualTo(404);
        assertThat(r.json().get("error").asText()).isEqualTo("not_found");
    }

    @Test
    void eventsStreamProgressAndEndWithTheJob() throws Exception {
        String id = submitValid();
        SynthesisRequest r = requestOf(id);
        try (Http.EventStream sse = Http.events(api.url("/v1/jobs/" + id + "/events"))) {
            assertThat(sse.status()).isEqualTo(200);
            // Each worker event is written once the stream has shown the state before it, so none is folded away.
            awaitStreamed(sse, "\"state\":\"QUEUED\"");
            workerEvent(JobEvent.started(r, "w", "tiny-random", "cpu", Instant.now()));
            awaitStreamed(sse, "\"state\":\"RUNNING\"");
            workerEvent(JobEvent.progress(r, "w", 3, Instant.now()));
            awaitStreamed(sse, "\"frames_done\":3");
            workerEvent(JobEvent.succeeded(r, "w", "tiny-random",
                    new AudioResult("audio/" + id + ".wav", 240, 24_000, 11_564, "ab", 3), Instant.now()));
            await().atMost(Duration.ofSeconds(10)).until(sse::ended);
            assertThat(sse.text()).contains("event:progress").contains("event:succeeded");
        }
    }

    private static void awaitStreamed(Http.EventStream sse, String fragment) {
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(sse.text()).contains(fragment));
    }

    private List<ConsumerRecord<String, byte[]>> readAll(String topic, String key) {
        return TopicRecords.read(infra.kafkaBootstrapServers(), topic, key::equals);
    }
}
