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
            "unknown format        | {\"text\":\"hi\",\"format\":\"ogg\"}                    | format",
            "aac format            | {\"text\":\"hi\",\"format\":\"aac\"}                    | format",
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

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "number for text        | /v1/jobs       | {\"text\":5}                                | text        | a string",
            "boolean for text       | /v1/jobs       | {\"text\":true}                             | text        | a string",
            "string for integer     | /v1/jobs       | {\"text\":\"hi\",\"speaker_id\":\"0\"}          | speaker_id  | an integer",
            "fraction for integer   | /v1/jobs       | {\"text\":\"hi\",\"speaker_id\":1.5}            | speaker_id  | an integer",
            "boolean for integer    | /v1/jobs       | {\"text\":\"hi\",\"top_k\":true}                | top_k       | an integer",
            "string for number      | /v1/jobs       | {\"text\":\"hi\",\"temperature\":\"0.9\"}       | temperature | a number",
            "boolean for long       | /v1/jobs       | {\"text\":\"hi\",\"seed\":true}                 | seed        | an integer",
            "number for format      | /v1/jobs       | {\"text\":\"hi\",\"format\":3}                  | format      | a string",
            "string for list        | /v1/narrations | {\"paragraphs\":\"one\"}                     | paragraphs  | an array",
            "number in list         | /v1/narrations | {\"paragraphs\":[\"one\",2]}                 | paragraphs[1] | a string",
            "string for pause       | /v1/narrations | {\"text\":\"Hi.\",\"pause_ms\":\"350\"}        | pause_ms    | an integer",
            "array for body         | /v1/jobs       | [1]                                         | body        | a JSON object",
    })
    void jsonTypesAreNotCoercedAndTheErrorNamesTheFieldInTheApisWords(String name, String path, String json,
                                                                      String field, String expected) {
        Http.Response r = Http.postJson(api.url(path), json);
        assertThat(r.status()).as(r.toString()).isEqualTo(400);
        assertThat(r.json().get("error").asText()).isEqualTo("validation_failed");
        assertThat(fields(r.json())).containsExactly(field);
        String reason = r.json().get("fields").get(0).get("reason").asText();
        assertThat(reason).contains("must be " + expected);
        assertThat(r.text()).doesNotContain("java.", "Cannot deserialize", "REDACTED", "StreamReadFeature");
    }

    @Test
    void anIntegerIsAcceptedWhereANumberIsDeclared() {
        Http.Response r = Http.postJson(api.url("/v1/jobs"), "{\"text\":\"hi\",\"temperature\":1}");
        assertThat(r.status()).as(r.toString()).isEqualTo(202);
    }

    @Test
    void generateRefusesCoercionInTheSeedServersShape() {
        Http.Response r = Http.postJson(api.url("/generate"), "{\"text\":5}");
        assertThat(r.status()).isEqualTo(400);
        assertThat(r.json().get("success").asBoolean()).isFalse();
        assertThat(r.json().get("error").asText()).startsWith("text must be a string").doesNotContain("java.");
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "number for input  | {\"model\":\"m\",\"input\":5,\"voice\":\"alloy\"}                | input",
            "string for speed  | {\"model\":\"m\",\"input\":\"x\",\"voice\":\"alloy\",\"speed\":\"1\"} | speed",
            "number for voice  | {\"model\":\"m\",\"input\":\"x\",\"voice\":3}                  | voice",
    })
    void speechRefusesCoercionInOpenAisShape(String name, String json, String param) {
        Http.Response r = Http.postJson(api.url("/v1/audio/speech"), json);
        assertThat(r.status()).as(r.toString()).isEqualTo(400);
        assertThat(r.json().get("error").get("param").asText()).isEqualTo(param);
        assertThat(r.json().get("error").get("type").asText()).isEqualTo("invalid_request_error");
        assertThat(r.json().get("error").get("message").asText()).startsWith(param + " must be")
                .doesNotContain("java.");
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "speed too fast | {\"model\":\"m\",\"input\":\"x\",\"voice\":\"alloy\",\"speed\":4.5}             | speed",
            "aac            | {\"model\":\"m\",\"input\":\"x\",\"voice\":\"alloy\",\"response_format\":\"aac\"} | response_format",
            "unknown format | {\"model\":\"m\",\"input\":\"x\",\"voice\":\"alloy\",\"response_format\":\"ogg\"} | response_format",
            "unknown stream | {\"model\":\"m\",\"input\":\"x\",\"voice\":\"alloy\",\"stream_format\":\"ws\"}   | stream_format",
            "sse of mp3     | {\"model\":\"m\",\"input\":\"x\",\"voice\":\"alloy\",\"stream_format\":\"sse\"}  | response_format",
            "no model       | {\"input\":\"x\",\"voice\":\"alloy\"}                                    | model",
    })
    void speechValuesOutsideOpenAisRangesAre400InOpenAisShape(String name, String json, String param) {
        Http.Response r = Http.postJson(api.url("/v1/audio/speech"), json, "Accept", "application/octet-stream");
        assertThat(r.status()).as(r.toString()).isEqualTo(400);
        assertThat(r.header("Content-Type").orElseThrow()).startsWith("application/json");
        assertThat(r.json().get("error").get("param").asText()).isEqualTo(param);
    }

    @Test
    void theContainersOwnRejectionOfAnEncodedSlashIsTheApisJson() {
        Http.Response r = Http.get(api.url("/v1/jobs/..%2f..%2faudio/audio"));
        assertThat(r.status()).isEqualTo(400);
        assertThat(r.header("Content-Type").orElseThrow()).startsWith("application/json");
        assertThat(r.json().get("error").asText()).isEqualTo("bad_request");
        assertThat(r.text()).doesNotContain("<html", "Tomcat");
        Http.Response speech = Http.post(api.url("/v1/audio/..%2fspeech"), "application/json", "{}");
        assertThat(speech.status()).isEqualTo(400);
        assertThat(speech.json().get("error").get("type").asText()).isEqualTo("invalid_request_error");
    }

    @Test
    void aLongIdIsNotEchoedBackWhole() {
        String id = "x".repeat(5_000);
        Http.Response r = Http.get(api.url("/v1/jobs/" + id));
        assertThat(r.status()).isEqualTo(404);
        assertThat(r.json().get("message").asText()).hasSizeLessThan(200).contains("(5000 characters)");
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
