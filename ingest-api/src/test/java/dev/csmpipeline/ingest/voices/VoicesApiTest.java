package dev.csmpipeline.ingest.voices;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.csmpipeline.ingest.IngestApplication;
import dev.csmpipeline.model.JobKind;
import dev.csmpipeline.model.SynthesisRequest;
import dev.csmpipeline.model.Topics;
import dev.csmpipeline.model.WireJson;
import dev.csmpipeline.storage.client.ObjectKeys;
import dev.csmpipeline.testsupport.Clips;
import dev.csmpipeline.testsupport.Http;
import dev.csmpipeline.testsupport.PipelineInfra;
import dev.csmpipeline.testsupport.RunningService;
import dev.csmpipeline.testsupport.TopicRecords;
import dev.csmpipeline.testsupport.WithPipelineInfra;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * The voice library's front door on a real broker and S3 server, with no worker: what is accepted, what is refused
 * and why, and tenant isolation. (Encoding and use with a worker: pipeline-it's VoicesIT.)
 */
@WithPipelineInfra
class VoicesApiTest {

    private static final String ACME = "acme-key-0123456789abcdef";
    private static final String GLOBEX = "globex-key-0123456789abcdef";

    private static RunningService api;
    private static PipelineInfra infra;
    private static dev.csmpipeline.storage.client.ObjectStorage storage;

    @BeforeAll
    static void start(PipelineInfra pipelineInfra) {
        infra = pipelineInfra;
        storage = infra.newStorage();
        api = RunningService.start(IngestApplication.builder(), infra, Map.of(
                "security.api-keys", ACME + "=acme," + GLOBEX + "=globex",
                "security.internal-token", "internal-token-0123456789"));
    }

    @AfterAll
    static void stop() {
        api.close();
        storage.close();
    }

    private static Http.Response upload(byte[] clip, String transcript, String key) {
        Map<String, String> fields = new java.util.LinkedHashMap<>();
        if (transcript != null) {
            fields.put("transcript", transcript);
        }
        fields.put("name", "test voice");
        return Http.postMultipart(api.url("/v1/voices"), fields, "file", "clip.wav", clip,
                "Authorization", "Bearer " + key);
    }

    private static List<String> fields(JsonNode body) {
        List<String> names = new ArrayList<>();
        body.get("fields").forEach(f -> names.add(f.get("field").asText()));
        return names;
    }

    private static void assertRefused(Http.Response r, String field, String reasonFragment) {
        assertThat(r.status()).as(r.toString()).isBetween(400, 499);
        assertThat(fields(r.json())).as(r.toString()).contains(field);
        assertThat(r.text()).containsIgnoringCase(reasonFragment);
    }

    @Test
    void aStereoCdQualityClipIsAcceptedAndQueuedAsAVoiceJob() {
        Http.Response r = upload(Clips.tones(3, 48_000, 2), "Hello there, this is my voice.", ACME);
        assertThat(r.status()).as(r.toString()).isEqualTo(202);
        String id = r.json().get("id").asText();
        assertThat(r.json().get("state").asText()).isEqualTo("QUEUED");
        assertThat(r.json().get("source_sample_rate").asInt()).isEqualTo(48_000);
        assertThat(r.json().get("source_channels").asInt()).isEqualTo(2);
        assertThat(r.json().get("duration_ms").asLong()).isEqualTo(3_000);
        SynthesisRequest queued = requestOf(id);
        assertThat(queued.kind()).isEqualTo(JobKind.VOICE);
        assertThat(queued.clip().clipKey()).isEqualTo(ObjectKeys.voiceClip("acme", id));
        assertThat(storage.stat(ObjectKeys.voiceClip("acme", id))).isPresent();
    }

    @Test
    void aClipThatIsNotAWavFileIs422NamingFile() {
        assertRefused(upload("not audio".getBytes(), "Some words.", ACME), "file", "not a WAV");
    }

    @Test
    void anEmptyOrMissingFileIs422NamingFile() {
        assertRefused(upload(new byte[0], "Some words.", ACME), "file", "required");
        assertRefused(upload(null, "Some words.", ACME), "file", "required");
    }

    @Test
    void aClipShorterThanASecondIs422WithItsLength() {
        assertRefused(upload(Clips.tones(0.2, 24_000, 1), "Hi.", ACME), "file", "was 0.20 s");
    }

    @Test
    void aFiveMinuteClipIs422WithItsLength() {
        assertRefused(upload(Clips.tones(300, 8_000, 1, 8), "A long story.", ACME), "file", "was 300.00 s");
    }

    @Test
    void aClipLargerThanTheUploadLimitIs413() {
        Http.Response r = upload(Clips.tones(140, 48_000, 1), "Far too much.", ACME);
        assertThat(r.status()).as(r.toString()).isEqualTo(413);
        assertThat(r.json().get("error").asText()).isEqualTo("payload_too_large");
    }

    @Test
    void aMissingTranscriptIs422NamingTranscript() {
        assertRefused(upload(Clips.tones(2, 24_000, 1), null, ACME), "transcript", "required");
    }

    @Test
    void aSpeakerIdThatIsNotANumberIs422() {
        Http.Response r = Http.postMultipart(api.url("/v1/voices"), Map.of("transcript", "Words.", "speaker_id", "x"),
                "file", "clip.wav", Clips.tones(2, 24_000, 1), "Authorization", "Bearer " + ACME);
        assertRefused(r, "speaker_id", "integer");
    }

    @Test
    void aJobNamingAnUnknownVoiceIs404NamingVoiceAndNothingIsQueued() {
        Http.Response r = Http.postJson(api.url("/v1/jobs"), "{\"text\":\"x\",\"voice\":\"no-such-voice\"}",
                "Authorization", "Bearer " + ACME);
        assertThat(r.status()).as(r.toString()).isEqualTo(404);
        assertThat(fields(r.json())).containsExactly("voice");
    }

    @Test
    void aVoiceNotYetEncodedIs409ForJobsNarrationsAndSyncCalls() {
        String id = upload(Clips.tones(2, 24_000, 1), "Not ready yet.", ACME).json().get("id").asText();
        Http.Response job = Http.postJson(api.url("/v1/jobs"), "{\"text\":\"x\",\"voice\":\"" + id + "\"}",
                "Authorization", "Bearer " + ACME);
        assertThat(job.status()).as(job.toString()).isEqualTo(409);
        assertThat(fields(job.json())).containsExactly("voice");
        assertThat(job.json().get("state").asText()).isEqualTo("QUEUED");
        Http.Response narration = Http.postJson(api.url("/v1/narrations"), "{\"text\":\"One. Two.\",\"voice\":\""
                + id + "\"}", "Authorization", "Bearer " + ACME);
        assertThat(narration.status()).as(narration.toString()).isEqualTo(409);
        Http.Response generate = Http.postJson(api.url("/generate"), "{\"text\":\"x\",\"voice\":\"" + id + "\"}",
                "Authorization", "Bearer " + ACME);
        assertThat(generate.status()).as(generate.toString()).isEqualTo(409);
        assertThat(generate.json().get("success").asBoolean()).isFalse();
        Http.Response speech = Http.postJson(api.url("/v1/audio/speech"), "{\"model\":\"csm-1b\",\"input\":\"x\","
                + "\"voice\":\"" + id + "\"}", "Authorization", "Bearer " + ACME);
        assertThat(speech.status()).as(speech.toString()).isEqualTo(409);
        assertThat(speech.json().get("error").get("param").asText()).isEqualTo("voice");
    }

    @Test
    void anotherTenantsVoiceIs404EverywhereIncludingInRequests() {
        String id = upload(Clips.tones(2, 24_000, 1), "Acme's voice.", ACME).json().get("id").asText();
        assertThat(Http.get(api.url("/v1/voices/" + id), "Authorization", "Bearer " + GLOBEX).status())
                .isEqualTo(404);
        assertThat(Http.delete(api.url("/v1/voices/" + id), "Authorization", "Bearer " + GLOBEX).status())
                .isEqualTo(404);
        Http.Response job = Http.postJson(api.url("/v1/jobs"), "{\"text\":\"x\",\"voice\":\"" + id + "\"}",
                "Authorization", "Bearer " + GLOBEX);
        assertThat(job.status()).isEqualTo(404);
        // the list is the status table's: wait until it holds the voice, then another tenant must not see it
        await().atMost(Duration.ofSeconds(20)).untilAsserted(() ->
                assertThat(Http.get(api.url("/v1/voices"), "Authorization", "Bearer " + ACME).text()).contains(id));
        assertThat(Http.get(api.url("/v1/voices"), "Authorization", "Bearer " + GLOBEX).text()).doesNotContain(id);
    }

    @Test
    void aDeletedVoiceIsGoneWithItsClip() {
        String id = upload(Clips.tones(2, 24_000, 1), "Soon gone.", ACME).json().get("id").asText();
        assertThat(Http.delete(api.url("/v1/voices/" + id), "Authorization", "Bearer " + ACME).status())
                .isEqualTo(204);
        assertThat(storage.stat(ObjectKeys.voiceClip("acme", id))).isEmpty();
        await().atMost(Duration.ofSeconds(20)).untilAsserted(() ->
                assertThat(Http.get(api.url("/v1/voices/" + id), "Authorization", "Bearer " + ACME).status())
                        .isEqualTo(404));
        assertThat(Http.get(api.url("/v1/voices"), "Authorization", "Bearer " + ACME).text()).doesNotContain(id);
    }

    @Test
    void voicesDoNotShowInTheJobList() {
        String id = upload(Clips.tones(2, 24_000, 1), "Not a job.", ACME).json().get("id").asText();
        await().atMost(Duration.ofSeconds(20)).untilAsserted(() ->
                assertThat(Http.get(api.url("/v1/voices"), "Authorization", "Bearer " + ACME).text()).contains(id));
        assertThat(Http.get(api.url("/v1/jobs"), "Authorization", "Bearer " + ACME).text()).doesNotContain(id);
    }

    /** The request the API queued for {@code id} (answered after its commit): voices go with interactive requests. */
    private static SynthesisRequest requestOf(String id) {
        return TopicRecords.read(infra.kafkaBootstrapServers(), Topics.REQUESTS_INTERACTIVE, id::equals).stream()
                .map(r -> WireJson.decode(r.value(), SynthesisRequest.class)).findFirst().orElseThrow();
    }
}
