package dev.csmpipeline.ingest.jobs;

import static org.assertj.core.api.Assertions.assertThat;

import dev.csmpipeline.ingest.IngestApplication;
import dev.csmpipeline.testsupport.Http;
import dev.csmpipeline.testsupport.PipelineInfra;
import dev.csmpipeline.testsupport.RunningService;
import dev.csmpipeline.testsupport.WithPipelineInfra;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/** Bad input is a 4xx with a JSON body naming each offending field, never a 5xx. */
@WithPipelineInfra
class BadInputTest {

    private static RunningService api;

    @BeforeAll
    static void start(PipelineInfra infra) {
        api = RunningService.start(IngestApplication.builder(), infra, Map.of());
    }

    @AfterAll
    static void stop() {
        api.close();
    }

    private static List<String> fields(JsonNode body) {
        List<String> names = new ArrayList<>();
        body.get("fields").forEach(f -> names.add(f.get("field").asText()));
        return names;
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "empty text            | {\"text\":\"\"}                                      | text",
            "whitespace text       | {\"text\":\"   \"}                                   | text",
            "missing text          | {\"speaker_id\":0}                                   | text",
            "max length too small  | {\"text\":\"hi\",\"max_audio_length_ms\":10}           | max_audio_length_ms",
            "max length too large  | {\"text\":\"hi\",\"max_audio_length_ms\":90001}        | max_audio_length_ms",
            "speaker below range   | {\"text\":\"hi\",\"speaker_id\":-1}                    | speaker_id",
            "speaker above range   | {\"text\":\"hi\",\"speaker_id\":32}                    | speaker_id",
            "temperature too high  | {\"text\":\"hi\",\"temperature\":2.5}                  | temperature",
            "top_k zero            | {\"text\":\"hi\",\"top_k\":0}                          | top_k",
            "unknown format        | {\"text\":\"hi\",\"format\":\"mp3\"}                    | format",
    })
    void invalidFieldIs422NamingTheField(String name, String json, String field) {
        Http.Response r = Http.postJson(api.url("/v1/jobs"), json);
        assertThat(r.status()).as(r.toString()).isEqualTo(422);
        assertThat(r.json().get("error").asText()).isEqualTo("validation_failed");
        assertThat(fields(r.json())).containsExactly(field);
    }

    @Test
    void textOverTheLimitIs422() {
        Http.Response r = Http.postJson(api.url("/v1/jobs"), "{\"text\":\"" + "a".repeat(2001) + "\"}");
        assertThat(r.status()).isEqualTo(422);
        assertThat(fields(r.json())).containsExactly("text");
        assertThat(r.json().get("message").asText()).contains("2000");
    }

    @Test
    void everyInvalidFieldIsNamedAtOnce() {
        Http.Response r = Http.postJson(api.url("/v1/jobs"),
                "{\"text\":\"\",\"speaker_id\":99,\"max_audio_length_ms\":0}");
        assertThat(fields(r.json())).containsExactlyInAnyOrder("text", "speaker_id", "max_audio_length_ms");
    }

    @Test
    void malformedJsonIs400() {
        Http.Response r = Http.postJson(api.url("/v1/jobs"), "{\"text\": \"unterminated");
        assertThat(r.status()).isEqualTo(400);
        assertThat(r.json().get("error").asText()).isEqualTo("malformed_json");
    }

    @Test
    void wrongTypeIs400NamingTheField() {
        Http.Response r = Http.postJson(api.url("/v1/jobs"), "{\"text\":\"hi\",\"speaker_id\":\"zero\"}");
        assertThat(r.status()).isEqualTo(400);
        assertThat(fields(r.json())).containsExactly("speaker_id");
    }

    @Test
    void wrongContentTypeIs415() {
        Http.Response r = Http.post(api.url("/v1/jobs"), "text/plain", "Hello");
        assertThat(r.status()).isEqualTo(415);
        assertThat(fields(r.json())).containsExactly("Content-Type");
    }

    @Test
    void emptyBodyIs400() {
        Http.Response r = Http.postJson(api.url("/v1/jobs"), "");
        assertThat(r.status()).isEqualTo(400);
        assertThat(r.json().has("error")).isTrue();
    }

    @Test
    void badListParametersAre400() {
        Http.Response r = Http.get(api.url("/v1/jobs?state=dreaming&limit=0"));
        assertThat(r.status()).isEqualTo(400);
        assertThat(fields(r.json())).containsExactlyInAnyOrder("state", "limit");
    }

    @Test
    void overlongIdempotencyKeyIs422() {
        Http.Response r = Http.postJson(api.url("/v1/jobs"), "{\"text\":\"hi\"}", "Idempotency-Key", "k".repeat(256));
        assertThat(r.status()).isEqualTo(422);
        assertThat(fields(r.json())).containsExactly("Idempotency-Key");
    }
}
