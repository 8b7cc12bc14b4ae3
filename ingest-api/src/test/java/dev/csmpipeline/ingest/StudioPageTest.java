package dev.csmpipeline.ingest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.csmpipeline.testsupport.Http;
import dev.csmpipeline.testsupport.PipelineInfra;
import dev.csmpipeline.testsupport.RunningService;
import dev.csmpipeline.testsupport.WithPipelineInfra;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * The studio page served at {@code /} with API keys on: the page and its files need no key, the API still does,
 * and the page takes nothing away from {@code /docs}, {@code /health} or {@code /generate}. The page itself is
 * driven in a real browser in pipeline-it ({@code StudioIT}).
 */
@WithPipelineInfra
class StudioPageTest {

    private static final String ACME = "acme-key-0123456789abcdef";
    private static final String GLOBEX = "globex-key-0123456789abcdef";
    private static final Pattern MODULE_REFS = Pattern.compile(
            "(?:src|href)=\"(/studio/[^\"]+)\"|from '(\\./[^']+)'");

    private static RunningService api;

    @BeforeAll
    static void start(PipelineInfra infra) {
        api = RunningService.start(IngestApplication.builder(), infra, Map.of(
                "security.api-keys", ACME + "=acme," + GLOBEX + "=globex",
                "security.internal-token", "internal-token-0123456789"));
    }

    @AfterAll
    static void stop() {
        api.close();
    }

    @Test
    void thePageIsServedAtTheRootWithoutAKey() {
        Http.Response page = Http.get(api.url("/"));
        assertThat(page.status()).isEqualTo(200);
        assertThat(page.header("Content-Type")).hasValueSatisfying(t -> assertThat(t).startsWith("text/html"));
        assertThat(page.text()).contains("<textarea", "<progress", "type=\"module\"", "id=\"api-key\"");
    }

    @Test
    void everyFileThePageAndItsModulesReferToIsServedWithoutAKeyAndTheRightType() {
        Set<String> seen = new HashSet<>();
        Deque<String> todo = new ArrayDeque<>(references("/", Http.get(api.url("/")).text()));
        while (!todo.isEmpty()) {
            String path = todo.pop();
            if (!seen.add(path)) {
                continue;
            }
            Http.Response r = Http.get(api.url(path));
            assertThat(r.status()).as(path).isEqualTo(200);
            String type = r.header("Content-Type").orElse("");
            if (path.endsWith(".js")) {
                assertThat(type).as(path).startsWith("text/javascript");
                todo.addAll(references(path, r.text()));
            } else if (path.endsWith(".css")) {
                assertThat(type).as(path).startsWith("text/css");
            }
        }
        assertThat(seen).contains("/studio/main.js", "/studio/studio.css", "/studio/api.js", "/studio/player.js",
                "/studio/progress.js", "/studio/voices.js", "/studio/history.js");
    }

    /** Absolute paths of the files a page or module names (script and link tags, relative imports). */
    private static List<String> references(String from, String text) {
        String dir = from.substring(0, from.lastIndexOf('/') + 1);
        Matcher m = MODULE_REFS.matcher(text);
        List<String> out = new java.util.ArrayList<>();
        while (m.find()) {
            out.add(m.group(1) != null ? m.group(1) : dir + m.group(2).substring(2));
        }
        return out;
    }

    @Test
    void theApiBehindThePageStillNeedsAKey() {
        assertThat(Http.get(api.url("/v1/jobs")).status()).isEqualTo(401);
        assertThat(Http.get(api.url("/v1/narrations")).status()).isEqualTo(401);
        Http.Response generate = Http.postJson(api.url("/generate"), "{\"text\":\"hi\"}");
        assertThat(generate.status()).isEqualTo(401);
        assertThat(generate.json().get("success").asBoolean()).isFalse();
        assertThat(Http.get(api.url("/v1/jobs"), "Authorization", "Bearer " + ACME).status()).isEqualTo(200);
    }

    @Test
    void docsAndHealthStillAnswerBesideThePage() {
        Http.Response docs = Http.get(api.url("/docs"));
        assertThat(docs.status()).isIn(200, 302);
        assertThat(Http.get(api.url("/swagger-ui/index.html")).text()).containsIgnoringCase("swagger");
        assertThat(Http.get(api.url("/v3/api-docs")).text()).contains("/v1/narrations", "/generate");
        Http.Response health = Http.get(api.url("/health"));
        assertThat(health.status()).isIn(200, 503);
        assertThat(health.json().has("model_loaded")).isTrue();
    }

    @Test
    void narrationsAreListedNewestFirstForTheirTenantOnlyAndPageInOrder() {
        List<String> submitted = new java.util.ArrayList<>();
        for (int i = 0; i < 6; i++) { // spread over the status table's partitions
            submitted.add(narrate(ACME, "Document number " + i + "."));
        }
        String other = narrate(GLOBEX, "Another tenant's document.");
        List<String> newestFirst = new java.util.ArrayList<>(submitted);
        java.util.Collections.reverse(newestFirst);

        // The list reads the status tables, which fold the accepted events a moment after the 202.
        JsonNode list = await().atMost(Duration.ofSeconds(30)).until(() -> Http.get(api.url("/v1/narrations"),
                "Authorization", "Bearer " + ACME).json(), l -> l.get("narrations").size() == 6
                && l.get("narrations").valueStream().allMatch(n -> n.get("segments").get("total").asInt() > 0));
        assertThat(ids(list)).containsExactlyElementsOf(newestFirst).doesNotContain(other);
        JsonNode newest = list.get("narrations").get(0);
        assertThat(newest.get("segments").get("total").asInt()).isEqualTo(1);
        assertThat(newest.get("manifest_url").asText())
                .isEqualTo("/v1/narrations/" + newestFirst.get(0) + "/manifest");

        // Pages of two: each the newest two below the cursor, across the partitions.
        List<String> paged = new java.util.ArrayList<>();
        String next = "/v1/narrations?limit=2";
        while (next != null) {
            JsonNode page = Http.get(api.url(next), "Authorization", "Bearer " + ACME).json();
            paged.addAll(ids(page));
            next = page.has("next") ? page.get("next").asText() : null;
        }
        assertThat(paged).containsExactlyElementsOf(newestFirst);
    }

    private static List<String> ids(JsonNode list) {
        return list.get("narrations").valueStream().map(n -> n.get("id").asText()).toList();
    }

    @Test
    void aNarrationPageSizeOutOfRangeIs400NamingLimit() {
        Http.Response r = Http.get(api.url("/v1/narrations?limit=0"), "Authorization", "Bearer " + ACME);
        assertThat(r.status()).isEqualTo(400);
        assertThat(r.json().get("fields").get(0).get("field").asText()).isEqualTo("limit");
    }

    private static String narrate(String key, String text) {
        Http.Response r = Http.postJson(api.url("/v1/narrations"), Http.json(Map.of("text", text)),
                "Authorization", "Bearer " + key);
        assertThat(r.status()).as(r.toString()).isEqualTo(202);
        return r.json().get("id").asText();
    }
}
