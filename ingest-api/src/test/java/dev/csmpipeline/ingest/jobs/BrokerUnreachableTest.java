package dev.csmpipeline.ingest.jobs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.csmpipeline.ingest.IngestApplication;
import dev.csmpipeline.testsupport.Http;
import dev.csmpipeline.testsupport.PipelineInfra;
import dev.csmpipeline.testsupport.RunningService;
import dev.csmpipeline.testsupport.WithPipelineInfra;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * With the broker gone, the API refuses work with a 503 naming the cause: it never answers 202 for a job it could
 * not write. When the broker is back, submits are accepted again without a restart.
 */
@WithPipelineInfra(restartableBroker = true)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class BrokerUnreachableTest {

    private static PipelineInfra infra;
    private static RunningService api;

    @BeforeAll
    static void start(PipelineInfra pipelineInfra) {
        infra = pipelineInfra;
        api = RunningService.start(IngestApplication.builder(), infra, Map.of());
        assertThat(Http.postJson(api.url("/v1/jobs"), "{\"text\":\"Before the outage.\"}").status()).isEqualTo(202);
        infra.stopBroker();
    }

    @AfterAll
    static void stop() {
        if (api != null) {
            api.close();
        }
    }

    @Test
    @Order(1)
    void submitIs503NamingKafka() {
        Http.Response r = Http.postJson(api.url("/v1/jobs"), "{\"text\":\"Nowhere to go.\"}");
        assertThat(r.status()).as(r.toString()).isEqualTo(503);
        assertThat(r.json().get("error").asText()).isEqualTo("kafka_unavailable");
        assertThat(r.json().get("message").asText()).contains("not accepted");
    }

    @Test
    @Order(2)
    void generateIs503WithSuccessFalse() {
        Http.Response r = Http.postJson(api.url("/generate"), "{\"text\":\"Nowhere to go.\"}");
        assertThat(r.status()).as(r.toString()).isEqualTo(503);
        assertThat(r.json().get("success").asBoolean()).isFalse();
    }

    @Test
    @Order(3)
    void healthSaysItCannotServe() {
        assertThat(Http.get(api.url("/health")).status()).isEqualTo(503);
    }

    @Test
    @Order(4)
    void submitsAreAcceptedAgainOnceTheBrokerIsBack() {
        infra.startBroker();
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofSeconds(1)).until(() ->
                Http.postJson(api.url("/v1/jobs"), "{\"text\":\"After the outage.\"}").status() == 202);
    }
}
