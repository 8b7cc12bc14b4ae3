package dev.csmpipeline.ingest.security;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.csmpipeline.ingest.IngestApplication;
import dev.csmpipeline.testsupport.Http;
import dev.csmpipeline.testsupport.PipelineInfra;
import dev.csmpipeline.model.WarmUp;
import dev.csmpipeline.testsupport.RunningService;
import dev.csmpipeline.testsupport.WarmUpRecords;
import dev.csmpipeline.testsupport.WithPipelineInfra;
import java.io.OutputStream;
import java.net.HttpURLConnection;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/** API keys on: tenants are isolated, secrets stay out of logs, bodies are bounded. */
@WithPipelineInfra
class TenantIsolationTest {

    private static final String ACME = "acme-key-0123456789abcdef";
    private static final String GLOBEX = "globex-key-0123456789abcdef";
    private static final String INTERNAL = "internal-token-0123456789";

    private static RunningService api;
    private static String bootstrap;
    private static Instant started;
    private static final ListAppender<ILoggingEvent> LOGS = new ListAppender<>();

    @BeforeAll
    static void start(PipelineInfra infra) {
        bootstrap = infra.kafkaBootstrapServers();
        started = Instant.now();
        LOGS.start();
        ((Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME)).addAppender(LOGS);
        api = RunningService.start(IngestApplication.builder(), infra, Map.of(
                "security.api-keys", ACME + "=acme," + GLOBEX + "=globex",
                "security.internal-token", INTERNAL,
                "security.max-body-bytes", 4096));
    }

    @AfterAll
    static void stop() {
        api.close();
        ((Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME)).detachAppender(LOGS);
    }

    private static String submitAs(String key) {
        Http.Response r = Http.postJson(api.url("/v1/jobs"), "{\"text\":\"Secret words.\"}",
                "Authorization", "Bearer " + key);
        assertThat(r.status()).as(r.toString()).isEqualTo(202);
        return r.json().get("id").asText();
    }

    @Test
    void callsWithoutAKeyAre401WithJson() {
        Http.Response r = Http.postJson(api.url("/v1/jobs"), "{\"text\":\"hi\"}");
        assertThat(r.status()).isEqualTo(401);
        assertThat(r.json().get("error").asText()).isEqualTo("unauthorized");
        assertThat(r.header("WWW-Authenticate")).contains("Bearer");
    }

    @Test
    void unknownKeysAre401() {
        Http.Response r = Http.get(api.url("/v1/jobs"), "X-API-Key", "not-a-key-0123456789abcdef");
        assertThat(r.status()).isEqualTo(401);
    }

    @Test
    void compatibilityEndpointsAnswer401InTheirOwnShapes() {
        Http.Response generate = Http.postJson(api.url("/generate"), "{\"text\":\"hi\"}");
        assertThat(generate.status()).isEqualTo(401);
        assertThat(generate.json().get("success").asBoolean()).isFalse();
        Http.Response speech = Http.postJson(api.url("/v1/audio/speech"), "{\"input\":\"hi\"}");
        assertThat(speech.status()).isEqualTo(401);
        assertThat(speech.json().get("error").get("message").asText()).contains("API key");
    }

    @Test
    void withKeysOnTheInstancesOwnWarmUpCallsStillGetInBeforeItIsReady() {
        // A warm-up call that the key check refused would never reach the sync path, which writes its request.
        assertThat(WarmUpRecords.since(bootstrap, started).requests()).isNotEmpty()
                .allSatisfy(r -> assertThat(r.tenant()).isEqualTo(WarmUp.TENANT));
    }

    @Test
    void aWarmUpTokenThatIsNotTheInstancesIs401() {
        Http.Response r = Http.postJson(api.url("/generate"), "{\"text\":\"hi\"}", WarmUpToken.HEADER, "0".repeat(64));
        assertThat(r.status()).isEqualTo(401);
        assertThat(r.json().get("error").asText()).contains(WarmUpToken.HEADER);
    }

    @Test
    void theInstancesWarmUpTokenOpensOnlyItsSyncEndpoints() {
        String token = api.context().getBean(WarmUpToken.class).value();
        assertThat(Http.get(api.url("/internal/stores/job-status/x"), WarmUpToken.HEADER, token).status())
                .isEqualTo(401);
        assertThat(Http.get(api.url("/v1/jobs"), WarmUpToken.HEADER, token).status()).isEqualTo(401);
    }

    @Test
    void aTenantCannotSeeAnotherTenantsJob() {
        String id = submitAs(ACME);
        assertThat(Http.get(api.url("/v1/jobs/" + id), "Authorization", "Bearer " + ACME).status()).isEqualTo(200);
        assertThat(Http.get(api.url("/v1/jobs/" + id), "Authorization", "Bearer " + GLOBEX).status()).isEqualTo(404);
        assertThat(Http.get(api.url("/v1/jobs/" + id + "/audio"), "Authorization", "Bearer " + GLOBEX).status())
                .isEqualTo(404);
        assertThat(Http.delete(api.url("/v1/jobs/" + id), "Authorization", "Bearer " + GLOBEX).status())
                .isEqualTo(404);
        String listed = Http.get(api.url("/v1/jobs?limit=500"), "Authorization", "Bearer " + GLOBEX).text();
        assertThat(listed).doesNotContain(id);
    }

    @Test
    void aTenantCannotSeeAnotherTenantsNarration() {
        Http.Response r = Http.postJson(api.url("/v1/narrations"), "{\"text\":\"First secret. Second secret.\"}",
                "Authorization", "Bearer " + ACME);
        assertThat(r.status()).as(r.toString()).isEqualTo(202);
        String id = r.json().get("id").asText();
        assertThat(Http.get(api.url("/v1/narrations/" + id), "Authorization", "Bearer " + ACME).status())
                .isEqualTo(200);
        for (String path : new String[] {"/v1/narrations/" + id, "/v1/narrations/" + id + "/audio",
                "/v1/narrations/" + id + "/manifest"}) {
            assertThat(Http.get(api.url(path), "Authorization", "Bearer " + GLOBEX).status()).as(path)
                    .isEqualTo(404);
        }
        assertThat(Http.delete(api.url("/v1/narrations/" + id), "Authorization", "Bearer " + GLOBEX).status())
                .isEqualTo(404);
    }

    @Test
    void healthAndDocsStayOpen() {
        assertThat(Http.get(api.url("/v3/api-docs")).status()).isEqualTo(200);
        assertThat(Http.get(api.url("/health")).status()).isIn(200, 503);
        assertThat(Http.get(api.url("/actuator/health/liveness")).status()).isEqualTo(200);
    }

    @Test
    void internalEndpointsNeedTheInternalToken() {
        assertThat(Http.get(api.url("/internal/stores/job-status/x")).status()).isEqualTo(403);
        assertThat(Http.get(api.url("/internal/stores/job-status/x"), "X-Internal-Token", INTERNAL).status())
                .isEqualTo(404);
    }

    @Test
    void bodiesOverTheLimitAre413() {
        Http.Response r = Http.postJson(api.url("/v1/jobs"), "{\"text\":\"" + "a".repeat(5000) + "\"}",
                "Authorization", "Bearer " + ACME);
        assertThat(r.status()).isEqualTo(413);
        assertThat(r.json().get("error").asText()).isEqualTo("payload_too_large");
    }

    @Test
    void chunkedBodiesOverTheLimitAre413() throws Exception {
        HttpURLConnection c = (HttpURLConnection) api.url("/v1/jobs").toURL().openConnection();
        c.setRequestMethod("POST");
        c.setDoOutput(true);
        c.setChunkedStreamingMode(1024);
        c.setRequestProperty("Content-Type", "application/json");
        c.setRequestProperty("Authorization", "Bearer " + ACME);
        try (OutputStream out = c.getOutputStream()) {
            out.write(("{\"text\":\"" + "a".repeat(9000) + "\"}").getBytes());
        }
        assertThat(c.getResponseCode()).isEqualTo(413);
    }

    @Test
    void noKeyOrTokenEverReachesTheLogs() {
        submitAs(ACME);
        Http.get(api.url("/v1/jobs"), "Authorization", "Bearer wrong-key-0123456789abcdef");
        assertThat(LOGS.list).extracting(ILoggingEvent::getFormattedMessage)
                .noneMatch(m -> m.contains(ACME) || m.contains(GLOBEX) || m.contains(INTERNAL)
                        || m.contains("wrong-key-0123456789abcdef"));
    }
}
