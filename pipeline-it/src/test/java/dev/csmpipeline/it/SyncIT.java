package dev.csmpipeline.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.csmpipeline.model.audio.Wav;
import dev.csmpipeline.storage.client.ObjectStorage;
import dev.csmpipeline.testsupport.Http;
import dev.csmpipeline.testsupport.RunningService;
import dev.csmpipeline.testsupport.WithPipelineInfra;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import tools.jackson.databind.JsonNode;

/** The self-hosted server's flows over request-reply, with two ingest instances and a worker running the model. */
@WithPipelineInfra
class SyncIT {

    private static RunningService second;

    @RegisterExtension
    static final Pipeline pipeline = Pipeline.started(p -> {
        p.startIngest(Map.of());
        second = p.startIngest(Map.of());
        p.startWorker(Map.of());
    });

    private static Http.Response generate(RunningService ingest, String json) {
        return Http.postJson(ingest.url("/generate"), json);
    }

    @Test
    void healthReportsThePipelineAndTheWorker() {
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(30))
                .until(() -> Http.get(pipeline.ingest().url("/health")).status() == 200);
        JsonNode health = Http.get(pipeline.ingest().url("/health")).json();
        assertThat(health.get("status").asText()).isEqualTo("healthy");
        assertThat(health.get("model_loaded").asBoolean()).isTrue();
        assertThat(health.get("device").asText()).isNotBlank();
        assertThat(health.get("pipeline").get("broker").get("reachable").asBoolean()).isTrue();
        assertThat(health.get("pipeline").get("storage").get("reachable").asBoolean()).isTrue();
        assertThat(health.get("pipeline").get("workers")).hasSize(1);
    }

    @Test
    void docsServeSwaggerAndTheOpenApiDocumentNamesTheEndpoints() {
        Http.Response docs = Http.get(pipeline.ingest().url("/docs"));
        assertThat(docs.status()).isIn(200, 302);
        Http.Response ui = Http.get(pipeline.ingest().url("/swagger-ui/index.html"));
        assertThat(ui.status()).isEqualTo(200);
        String openApi = Http.get(pipeline.ingest().url("/v3/api-docs")).text();
        assertThat(openApi).contains("/generate", "/health", "/v1/jobs", "/v1/audio/speech", "/v1/narrations");
    }

    @Test
    void generateAnswersTheSeedServersJsonWithAValidWav() {
        Http.Response r = generate(pipeline.ingest(),
                "{\"text\":\"Hello from Maya!\",\"speaker_id\":0,\"max_audio_length_ms\":800,\"format\":\"base64\"}");
        assertThat(r.status()).as(r.toString()).isEqualTo(200);
        JsonNode body = r.json();
        assertThat(body.get("success").asBoolean()).isTrue();
        assertThat(body.has("error")).isFalse();
        byte[] wav = Base64.getDecoder().decode(body.get("audio_data").asText());
        Wav.Info info = Wav.read(wav);
        assertThat(info.sampleRate()).isEqualTo(body.get("sample_rate").asInt()).isEqualTo(24_000);
        assertThat(info.durationMs()).isEqualTo(body.get("duration_ms").asLong()).isPositive();
    }

    @Test
    void aSyncJobKeepsAStatusAndAudioUrlAfterwards() {
        Http.Response r = generate(pipeline.ingest(), "{\"text\":\"Keep me.\",\"max_audio_length_ms\":400}");
        String jobId = r.header("X-Job-Id").orElseThrow();
        JsonNode status = pipeline.awaitJob(jobId);
        assertThat(status.get("state").asText()).isEqualTo("SUCCEEDED");
        assertThat(status.get("kind").asText()).isEqualTo("SYNC");
        Http.Response audio = Http.get(pipeline.ingest().url(status.get("result").get("audio_url").asText()));
        assertThat(audio.body()).isEqualTo(Base64.getDecoder().decode(r.json().get("audio_data").asText()));
    }

    @Test
    void concurrentCallsThroughTwoInstancesEachGetTheirOwnAudio() throws Exception {
        ExecutorService callers = Executors.newFixedThreadPool(8);
        List<Future<Http.Response>> calls = new ArrayList<>();
        for (int i = 0; i < 12; i++) {
            RunningService ingest = i % 2 == 0 ? pipeline.ingest() : second;
            int n = i;
            calls.add(callers.submit(() -> generate(ingest, "{\"text\":\"Caller " + n + " speaking.\",\"speaker_id\":"
                    + (n % 3) + ",\"max_audio_length_ms\":" + (160 + 80 * n) + "}")));
        }
        for (int i = 0; i < calls.size(); i++) {
            Http.Response r = calls.get(i).get(120, TimeUnit.SECONDS);
            assertThat(r.status()).as(r.toString()).isEqualTo(200);
            byte[] wav = Base64.getDecoder().decode(r.json().get("audio_data").asText());
            String jobId = r.header("X-Job-Id").orElseThrow();
            JsonNode status = pipeline.awaitJob(jobId);
            assertThat(status.get("result").get("sha256").asText()).as("caller " + i + " got its own job's audio")
                    .isEqualTo(ObjectStorage.sha256Hex(wav));
        }
        callers.shutdown();
    }

    @Test
    void missingTextIsA400WithSuccessFalse() {
        Http.Response r = generate(pipeline.ingest(), "{\"speaker_id\":0}");
        assertThat(r.status()).isEqualTo(400);
        assertThat(r.json().get("success").asBoolean()).isFalse();
        assertThat(r.json().get("error").asText()).contains("text");
    }

    @Test
    void badSpeakerAndMalformedJsonAre400WithSuccessFalse() {
        Http.Response speaker = generate(pipeline.ingest(), "{\"text\":\"hi\",\"speaker_id\":99}");
        assertThat(speaker.status()).isEqualTo(400);
        assertThat(speaker.json().get("error").asText()).contains("speaker_id");
        Http.Response malformed = generate(pipeline.ingest(), "{\"text\":");
        assertThat(malformed.status()).isEqualTo(400);
        assertThat(malformed.json().get("success").asBoolean()).isFalse();
    }

    @Test
    void openAiSpeechReturnsWavAndPcm() {
        Http.Response wav = Http.postJson(pipeline.ingest().url("/v1/audio/speech"),
                "{\"model\":\"csm-1b\",\"input\":\"Hello there.\",\"voice\":\"alloy\",\"response_format\":\"wav\"}");
        assertThat(wav.status()).as(wav.toString()).isEqualTo(200);
        assertThat(wav.header("Content-Type")).contains("audio/wav");
        Wav.Info info = Wav.read(wav.body());
        Http.Response pcm = Http.postJson(pipeline.ingest().url("/v1/audio/speech"),
                "{\"model\":\"csm-1b\",\"input\":\"Hello there.\",\"voice\":\"1\",\"response_format\":\"pcm\"}");
        assertThat(pcm.status()).isEqualTo(200);
        assertThat(pcm.body().length % 2).isZero();
        assertThat(info.sampleRate()).isEqualTo(24_000);
    }

    @org.junit.jupiter.params.ParameterizedTest(name = "Accept: {0}")
    @org.junit.jupiter.params.provider.ValueSource(strings = {"application/octet-stream", "audio/*", "*/*", ""})
    void openAiSpeechAnswersEveryAcceptWithMp3ByDefault(String accept) {
        String body = "{\"model\":\"csm-1b\",\"input\":\"Hello there.\",\"voice\":\"alloy\"}";
        Http.Response r = accept.isEmpty() ? Http.postJson(pipeline.ingest().url("/v1/audio/speech"), body)
                : Http.postJson(pipeline.ingest().url("/v1/audio/speech"), body, "Accept", accept);
        assertThat(r.status()).as(r.toString()).isEqualTo(200);
        assertThat(r.header("Content-Type")).contains("audio/mpeg");
        assertThat(new String(r.body(), 0, 3, java.nio.charset.StandardCharsets.ISO_8859_1)).isEqualTo("ID3");
    }

    @Test
    void openAiSpeedShortensTheAudio() {
        String body = "{\"model\":\"tts-1\",\"input\":\"Same words.\",\"voice\":\"echo\",\"speed\":%s,"
                + "\"response_format\":\"wav\"}";
        Http.Response normal = Http.postJson(pipeline.ingest().url("/v1/audio/speech"), body.formatted("1.0"));
        Http.Response fast = Http.postJson(pipeline.ingest().url("/v1/audio/speech"), body.formatted("2.0"));
        long normalMs = Wav.read(normal.body()).durationMs();
        long fastMs = Wav.read(fast.body()).durationMs();
        assertThat(fastMs).isBetween(normalMs / 2 - 50, normalMs / 2 + 50);
    }

    @Test
    void openAiErrorsUseOpenAisShape() {
        Http.Response r = Http.postJson(pipeline.ingest().url("/v1/audio/speech"),
                "{\"model\":\"csm-1b\",\"input\":\"x\",\"voice\":\"alloy\",\"response_format\":\"aac\"}");
        assertThat(r.status()).isEqualTo(400);
        assertThat(r.json().get("error").get("param").asText()).isEqualTo("response_format");
        assertThat(r.json().get("error").get("type").asText()).isEqualTo("invalid_request_error");
    }

    @Test
    void anIngestInstanceStoppedWhileCallsWaitFailsThemCleanly() throws Exception {
        RunningService doomed = pipeline.startIngest(Map.of("ingest.sync-real-time-factor", 50));
        // A long call: the worker is kept busy by async jobs queued ahead of nothing, so give it a long one.
        String busy = pipeline.submit("{\"text\":\"Keep the worker busy.\",\"max_audio_length_ms\":90000}");
        pipeline.awaitState(busy, "RUNNING");
        String text = "I will be cut off " + UUID.randomUUID() + ".";
        CompletableFuture<Http.Response> waiting = CompletableFuture.supplyAsync(() ->
                generate(doomed, "{\"text\":\"" + text + "\",\"max_audio_length_ms\":800}"));
        pipeline.awaitSyncRequestWritten(text);
        doomed.close();
        Http.Response r = waiting.get(30, TimeUnit.SECONDS); // answered, not hanging until the sync deadline
        assertThat(r.status()).as(r.toString()).isEqualTo(503);
        assertThat(r.json().get("success").asBoolean()).isFalse();
        Http.delete(pipeline.ingest().url("/v1/jobs/" + busy));
    }
}
