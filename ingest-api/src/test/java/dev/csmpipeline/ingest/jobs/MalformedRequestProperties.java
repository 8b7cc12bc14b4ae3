package dev.csmpipeline.ingest.jobs;

import static org.assertj.core.api.Assertions.assertThat;

import dev.csmpipeline.ingest.IngestApplication;
import dev.csmpipeline.testsupport.Http;
import dev.csmpipeline.testsupport.PipelineInfra;
import dev.csmpipeline.testsupport.PipelineInfraExtension;
import dev.csmpipeline.testsupport.RunningService;
import java.util.List;
import java.util.Map;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;
import tools.jackson.databind.JsonNode;

/**
 * Whatever a client sends, the API answers with a deliberate status and a JSON reason: never a 5xx for bad input.
 * Bodies are drawn from the fields of a job with values of every JSON type, plus arbitrary text.
 */
class MalformedRequestProperties {

    private static PipelineInfra infra;
    private static RunningService api;

    @BeforeContainer
    static void start() {
        infra = PipelineInfraExtension.start(false, 2);
        // No worker runs: a valid sync call times out at once (504) rather than waiting.
        api = RunningService.start(IngestApplication.builder(), infra, Map.of(
                "ingest.sync-wait-margin", "PT0.5S", "ingest.sync-real-time-factor", 0));
    }

    @AfterContainer
    static void stop() {
        api.close();
        PipelineInfraExtension.close(infra);
    }

    @Provide
    Arbitrary<String> jsonValues() {
        return Arbitraries.oneOf(
                Arbitraries.strings().ofMaxLength(40).map(Http::json),
                Arbitraries.strings().withCharRange('\u0000', '\uffff').ofMaxLength(20).map(Http::json),
                Arbitraries.integers().map(String::valueOf),
                Arbitraries.longs().map(String::valueOf),
                Arbitraries.doubles().map(String::valueOf),
                Arbitraries.of("null", "true", "false", "[]", "{}", "[1,\"a\"]", "{\"x\":1}", "1e400", "-0",
                        "99999999999999999999999", "\"\"", "\"   \""));
    }

    @Provide
    Arbitrary<String> bodies() {
        Arbitrary<String> field = Arbitraries.of("text", "speaker_id", "max_audio_length_ms", "temperature", "top_k",
                "seed", "format", "unknown_field", "Text", "");
        Arbitrary<String> member = Combinators.combine(field, jsonValues()).as((k, v) -> Http.json(k) + ":" + v);
        Arbitrary<String> object = member.list().ofMaxSize(6).map(ms -> "{" + String.join(",", ms) + "}");
        return Arbitraries.oneOf(object, jsonValues(), Arbitraries.strings().ofMaxLength(60),
                object.map(o -> o.substring(0, Math.max(0, o.length() - 1))));
    }

    @Property(tries = 150)
    void jobSubmissionsAreAcceptedOrRefusedWithAReason(@ForAll("bodies") String body) {
        Http.Response r = Http.postJson(api.url("/v1/jobs"), body);
        assertThat(r.status()).as(body + " -> " + r).isIn(List.of(202, 400, 413, 415, 422));
        JsonNode json = r.json();
        if (r.status() != 202) {
            assertThat(json.path("error").asText()).as(body + " -> " + r).isNotBlank();
            assertThat(json.path("message").asText()).as(body + " -> " + r).isNotBlank();
        }
    }

    @Property(tries = 100)
    void generateNeverFailsInternallyAndAlwaysSaysSuccessFalseWithAReason(@ForAll("bodies") String body) {
        Http.Response r = Http.postJson(api.url("/generate"), body);
        assertThat(r.status()).as(body + " -> " + r).isIn(List.of(400, 413, 415, 503, 504));
        assertThat(r.json().path("success").asBoolean(true)).isFalse();
        assertThat(r.json().path("error").asText()).isNotBlank();
    }

    @Property(tries = 60)
    void narrationSubmissionsAreAcceptedOrRefusedWithAReason(@ForAll("bodies") String body) {
        Http.Response r = Http.postJson(api.url("/v1/narrations"), body.replace("\"text\"", "\"paragraphs\""));
        assertThat(r.status()).as(body + " -> " + r).isIn(List.of(202, 400, 413, 415, 422));
        if (r.status() != 202) {
            assertThat(r.json().path("error").asText()).isNotBlank();
        }
    }
}
