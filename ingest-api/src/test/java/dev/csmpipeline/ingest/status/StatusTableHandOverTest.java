package dev.csmpipeline.ingest.status;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.csmpipeline.ingest.IngestApplication;
import dev.csmpipeline.model.Topics;
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

/**
 * Two API instances share the status table's partitions. When one stops cleanly (a rolling update, a scale-in), the
 * other takes over its partitions in one rebalance and answers the status of every job: it does not wait for the
 * stopped instance's session to time out.
 */
@WithPipelineInfra
class StatusTableHandOverTest {

    /**
     * A session far longer than the test waits for the hand-over: an instance that stopped without leaving its group
     * would hold its partitions this long.
     */
    private static final String LONG_SESSION = "spring.kafka.streams.properties.main.consumer.session.timeout.ms";
    private static final Duration HAND_OVER_LIMIT = Duration.ofSeconds(40);

    private static PipelineInfra infra;
    private static RunningService staying;
    private static String group;

    @BeforeAll
    static void start(PipelineInfra pipelineInfra) {
        infra = pipelineInfra;
        staying = instance("staying");
        group = staying.context().getEnvironment().getRequiredProperty("spring.kafka.streams.application-id");
    }

    @AfterAll
    static void stop() {
        staying.close();
    }

    /** Instances in one JVM share a host name, the default instance id: each gets its own. */
    private static RunningService instance(String id) {
        return RunningService.start(IngestApplication.builder(), infra,
                Map.of("ingest.instance-id", id, LONG_SESSION, 120_000));
    }

    private static int tableMembers() {
        return TopicRecords.membersHoldingAll(infra.kafkaBootstrapServers(), group, Topics.EVENTS);
    }

    private static String submit(int i) {
        Http.Response r = Http.postJson(staying.url("/v1/jobs"),
                "{\"text\":\"Hand-over " + i + ".\",\"max_audio_length_ms\":2000}");
        assertThat(r.status()).as(r.toString()).isEqualTo(202);
        return r.json().get("id").asText();
    }

    @Test
    void aStoppedInstancesPartitionsAreServedByTheOtherWithoutWaitingOutItsSession() {
        RunningService leaving = instance("leaving");
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200)).until(() -> tableMembers() == 2);
        // Enough jobs that some land on the partitions the leaving instance holds.
        List<String> jobs = new ArrayList<>();
        for (int i = 0; i < 12; i++) {
            jobs.add(submit(i));
        }

        leaving.close();

        await().atMost(HAND_OVER_LIMIT).pollInterval(Duration.ofMillis(200)).until(() -> tableMembers() == 1);
        await().atMost(HAND_OVER_LIMIT).pollInterval(Duration.ofMillis(200)).untilAsserted(() -> {
            for (String id : jobs) {
                Http.Response r = Http.get(staying.url("/v1/jobs/" + id));
                assertThat(r.status()).as(id + ": " + r).isEqualTo(200);
                assertThat(r.json().get("state").asText()).as(id).isEqualTo("QUEUED");
            }
        });
    }
}
