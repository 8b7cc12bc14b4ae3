package dev.csmpipeline.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.csmpipeline.model.audio.Wav;
import dev.csmpipeline.testsupport.Clips;
import dev.csmpipeline.testsupport.Http;
import dev.csmpipeline.testsupport.WithPipelineInfra;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import tools.jackson.databind.JsonNode;

/**
 * Voices end to end on a real broker and S3 server with a worker running the tiny CSM (whose bundle has the Mimi
 * encoder): a WAV becomes a READY voice through the fleet, and a job, a /generate call and narrations (in parallel
 * and with continuity) are conditioned on its codes, as their status and manifests show.
 */
@WithPipelineInfra
class VoicesIT {

    private static final String ACME = "acme-key-0123456789abcdef";
    private static final String GLOBEX = "globex-key-0123456789abcdef";

    @RegisterExtension
    static final Pipeline pipeline = Pipeline.started(p -> {
        p.startIngest(Map.of("security.api-keys", ACME + "=acme," + GLOBEX + "=globex",
                "security.internal-token", "internal-token-0123456789"));
        p.startWorker(Map.of());
        p.startStorage();
    });

    private static String voiceId;
    private static int voiceFrames;

    @BeforeAll
    static void registerVoice() {
        Http.Response r = Http.postMultipart(pipeline.ingest().url("/v1/voices"),
                Map.of("transcript", "Hello there, this is my voice.", "name", "acceptance", "speaker_id", "2"),
                "file", "ref.wav", Clips.tones(3, 44_100, 2), auth(ACME));
        assertThat(r.status()).as(r.toString()).isEqualTo(202);
        voiceId = r.json().get("id").asText();
        JsonNode ready = awaitEnd("/v1/voices/" + voiceId);
        assertThat(ready.get("state").asText()).as(ready.toString()).isEqualTo("READY");
        voiceFrames = ready.get("frames").asInt();
    }

    private static String[] auth(String key) {
        return new String[] {"Authorization", "Bearer " + key};
    }

    private static JsonNode awaitEnd(String path) {
        JsonNode[] last = new JsonNode[1];
        await().atMost(Duration.ofSeconds(180)).pollInterval(Duration.ofMillis(200)).until(() -> {
            last[0] = Http.get(pipeline.ingest().url(path), auth(ACME)).json();
            return Pipeline.TERMINAL.contains(last[0].path("state").asText());
        });
        return last[0];
    }

    private static String post(String path, String json) {
        Http.Response r = Http.postJson(pipeline.ingest().url(path), json, auth(ACME));
        assertThat(r.status()).as(r.toString()).isEqualTo(202);
        return r.json().get("id").asText();
    }

    @Test
    void theVoiceIsReadyWithTheFramesOfItsClip() {
        JsonNode v = Http.get(pipeline.ingest().url("/v1/voices/" + voiceId), auth(ACME)).json();
        // 3 s at 12.5 frames a second, resampled from 44.1 kHz stereo
        assertThat(voiceFrames).isBetween(37, 39);
        assertThat(v.get("duration_ms").asLong()).isEqualTo(3_000);
        assertThat(v.get("speaker_id").asInt()).isEqualTo(2);
        assertThat(v.get("transcript").asText()).isEqualTo("Hello there, this is my voice.");
        assertThat(Http.get(pipeline.ingest().url("/v1/voices"), auth(ACME)).text()).contains(voiceId);
    }

    @Test
    void aJobWithTheVoiceIsConditionedOnItsCodes() {
        String id = post("/v1/jobs", "{\"text\":\"Spoken in my voice.\",\"voice\":\"" + voiceId
                + "\",\"max_audio_length_ms\":800,\"temperature\":0}");
        JsonNode done = awaitEnd("/v1/jobs/" + id);
        assertThat(done.get("state").asText()).as(done.toString()).isEqualTo("SUCCEEDED");
        assertThat(done.get("voice_id").asText()).isEqualTo(voiceId);
        JsonNode c = done.get("conditioning");
        assertThat(c.get("voice_id").asText()).isEqualTo(voiceId);
        assertThat(c.get("context_segments").asInt()).isEqualTo(1);
        assertThat(c.get("context_frames").asInt()).isEqualTo(voiceFrames);
        // the voice's text, its frames and its end-of-audio frame come before the utterance's own tokens
        assertThat(c.get("prompt_positions").asInt()).isGreaterThan(voiceFrames + 1 + 4);
    }

    @Test
    void theVoiceChangesTheAudioAndTheSameVoiceGivesTheSameAudio() {
        String body = "{\"text\":\"Same words.\",\"speaker_id\":2,\"max_audio_length_ms\":800,\"temperature\":0";
        String withVoice = post("/v1/jobs", body + ",\"voice\":\"" + voiceId + "\"}");
        String again = post("/v1/jobs", body + ",\"voice\":\"" + voiceId + "\"}");
        String without = post("/v1/jobs", body + "}");
        for (String id : new String[] {withVoice, again, without}) {
            assertThat(awaitEnd("/v1/jobs/" + id).get("state").asText()).isEqualTo("SUCCEEDED");
        }
        byte[] a = audio(withVoice);
        assertThat(audio(again)).isEqualTo(a);
        assertThat(audio(without)).isNotEqualTo(a);
    }

    @Test
    void generateTakesTheVoiceAsAnAddedField() {
        Http.Response r = Http.postJson(pipeline.ingest().url("/generate"), "{\"text\":\"Sync in my voice.\","
                + "\"speaker_id\":2,\"max_audio_length_ms\":800,\"voice\":\"" + voiceId + "\"}", auth(ACME));
        assertThat(r.status()).as(r.toString()).isEqualTo(200);
        assertThat(r.json().get("success").asBoolean()).isTrue();
        Wav.Info wav = Wav.read(Base64.getDecoder().decode(r.json().get("audio_data").asText()));
        assertThat(wav.sampleRate()).isEqualTo(24_000);
        String job = r.header("X-Job-Id").orElseThrow();
        JsonNode status = awaitEnd("/v1/jobs/" + job);
        assertThat(status.get("conditioning").get("context_frames").asInt()).isEqualTo(voiceFrames);
    }

    @Test
    void everySegmentOfANarrationIsConditionedOnTheVoice() {
        String id = post("/v1/narrations", "{\"text\":\"First sentence here. Second one follows. And a third.\","
                + "\"voice\":\"" + voiceId + "\",\"max_segment_chars\":30}");
        assertThat(awaitEnd("/v1/narrations/" + id).get("state").asText()).isEqualTo("SUCCEEDED");
        JsonNode manifest = Http.get(pipeline.ingest().url("/v1/narrations/" + id + "/manifest"), auth(ACME)).json();
        assertThat(manifest.get("voice_id").asText()).isEqualTo(voiceId);
        assertThat(manifest.get("continuity").asText()).isEqualTo("none");
        assertThat(manifest.get("segments")).hasSize(3);
        for (JsonNode s : manifest.get("segments")) {
            assertThat(s.get("context").get("voice_id").asText()).isEqualTo(voiceId);
            assertThat(s.get("context").get("context_segments").asInt()).isEqualTo(1);
            assertThat(s.get("context").get("context_frames").asInt()).isEqualTo(voiceFrames);
        }
    }

    @Test
    void withContinuityEachSegmentFollowsThePreviousOneAndIsConditionedOnIt() {
        String id = post("/v1/narrations", "{\"text\":\"First sentence here. Second one follows. And a third.\","
                + "\"voice\":\"" + voiceId + "\",\"max_segment_chars\":30,\"continuity\":\"previous\"}");
        assertThat(awaitEnd("/v1/narrations/" + id).get("state").asText()).isEqualTo("SUCCEEDED");
        JsonNode manifest = Http.get(pipeline.ingest().url("/v1/narrations/" + id + "/manifest"), auth(ACME)).json();
        assertThat(manifest.get("continuity").asText()).isEqualTo("previous");
        JsonNode segments = manifest.get("segments");
        assertThat(segments.get(0).get("context").get("context_segments").asInt()).isEqualTo(1);
        for (int i = 1; i < 3; i++) {
            JsonNode c = segments.get(i).get("context");
            assertThat(c.get("context_segments").asInt()).isEqualTo(2);
            // the voice's frames, then the previous segment's
            assertThat(c.get("context_frames").asInt()).isGreaterThan(voiceFrames);
            Instant previousEnded = Instant.parse(segmentStatus(id, i - 1).get("finished_at").asText());
            Instant started = Instant.parse(segmentStatus(id, i).get("started_at").asText());
            assertThat(started).isAfterOrEqualTo(previousEnded);
        }
    }

    @Test
    void theWorkerReadsTheVoicesCodesFromStorageOnce() {
        post("/v1/jobs", "{\"text\":\"Cached.\",\"voice\":\"" + voiceId + "\",\"max_audio_length_ms\":160}");
        String last = post("/v1/jobs", "{\"text\":\"Cached again.\",\"voice\":\"" + voiceId
                + "\",\"max_audio_length_ms\":160}");
        JsonNode done = awaitEnd("/v1/jobs/" + last);
        String metrics = Http.get(pipeline.worker(done.get("worker_id").asText()).url("/actuator/prometheus")).text();
        Matcher m = Pattern.compile("(?m)^tts_voice_codes_loads_total\\S* ([0-9.]+)").matcher(metrics);
        assertThat(m.find()).as(metrics.lines().filter(l -> l.contains("voice")).toList().toString()).isTrue();
        assertThat(Double.parseDouble(m.group(1))).isEqualTo(1.0);
    }

    @Test
    void anotherTenantGets404ForTheVoiceAndCannotUseIt() {
        assertThat(Http.get(pipeline.ingest().url("/v1/voices/" + voiceId), auth(GLOBEX)).status()).isEqualTo(404);
        Http.Response r = Http.postJson(pipeline.ingest().url("/v1/jobs"), "{\"text\":\"x\",\"voice\":\"" + voiceId
                + "\"}", auth(GLOBEX));
        assertThat(r.status()).isEqualTo(404);
        assertThat(r.text()).contains("voice");
    }

    private static JsonNode segmentStatus(String narrationId, int index) {
        return Http.get(pipeline.ingest().url("/v1/jobs/" + narrationId + "-s" + index), auth(ACME)).json();
    }

    private static byte[] audio(String jobId) {
        Http.Response r = Http.get(pipeline.ingest().url("/v1/jobs/" + jobId + "/audio"), auth(ACME));
        assertThat(r.status()).isEqualTo(200);
        return r.body();
    }
}
