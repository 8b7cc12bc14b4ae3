package dev.csmpipeline.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import dev.csmpipeline.ingest.status.StatusQueries;
import dev.csmpipeline.ingest.status.WarmUpStatus;
import dev.csmpipeline.model.EventType;
import dev.csmpipeline.model.JobEvent;
import dev.csmpipeline.model.SynthesisReply;
import dev.csmpipeline.model.SynthesisRequest;
import dev.csmpipeline.model.Topics;
import dev.csmpipeline.model.WarmUp;
import dev.csmpipeline.model.WireJson;
import dev.csmpipeline.model.audio.Wav;
import dev.csmpipeline.service.WarmUpProperties;
import dev.csmpipeline.testsupport.PipelineInfra;
import dev.csmpipeline.testsupport.ProducerMetadata;
import dev.csmpipeline.testsupport.RunningService;
import dev.csmpipeline.testsupport.TopicRecords;
import dev.csmpipeline.testsupport.WarmUpRecords;
import dev.csmpipeline.testsupport.WithPipelineInfra;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import javax.management.MBeanServer;
import javax.management.ObjectName;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.Producer;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.kafka.core.ProducerFactory;

/**
 * A started API has its producers open with the metadata of the topics they write, has made sync calls to itself
 * through the warm-up topic, and its status table has folded (and forgotten) their events, before its first request.
 */
@WithPipelineInfra
class WarmUpTest {

    private static RunningService api;
    private static String bootstrap;
    private static Instant started;

    @BeforeAll
    static void start(PipelineInfra infra) {
        bootstrap = infra.kafkaBootstrapServers();
        started = Instant.now();
        api = RunningService.start(IngestApplication.builder(), infra, RunningService.FULL_WARM_UP);
    }

    @AfterAll
    static void stop() {
        api.close();
    }

    private static boolean held(String factory, String topic) {
        try (Producer<?, ?> producer = api.context().getBean(factory, ProducerFactory.class).createProducer()) {
            return ProducerMetadata.held(producer, topic);
        }
    }

    @Test
    void theSyncPathsProducersHoldTheirTopicsMetadataBeforeTheFirstCall() {
        assertThat(held("syncProducerFactory", Topics.REQUESTS_INTERACTIVE)).isTrue();
        assertThat(held("plainProducerFactory", Topics.REQUESTS_INTERACTIVE)).isTrue();
        assertThat(held("plainProducerFactory", Topics.EVENTS)).isTrue();
    }

    @Test
    void theSubmitPathsTransactionalProducerIsReadyWithItsTopicsMetadata() {
        assertThat(held("acceptProducerFactory", Topics.REQUESTS)).isTrue();
        assertThat(held("acceptProducerFactory", Topics.EVENTS)).isTrue();
    }

    @Test
    void beforeReadyTheApiCalledItsOwnSyncEndpointsAndEachCallWasAnsweredOnItsReplyPartition() {
        int rounds = api.context().getBean(WarmUpProperties.class).calls();
        // No worker runs in this test: the calls could only be answered by the instance itself.
        List<SynthesisRequest> calls = WarmUpRecords.since(bootstrap, started).requests();
        assertThat(calls).hasSize(1 + 2 * rounds) // a full-length /generate, then /generate and /v1/audio/speech
                .allSatisfy(r -> assertThat(WarmUp.isWarmUp(r)).isTrue());
        Set<String> ids = calls.stream().map(SynthesisRequest::jobId).collect(Collectors.toSet());
        Set<String> answered = TopicRecords.read(bootstrap, Topics.REPLIES, ids::contains).stream()
                .map(ConsumerRecord::key).collect(Collectors.toSet());
        assertThat(answered).isEqualTo(ids);
    }

    @Test
    void theFirstWarmUpCallAskedForTheFullLengthAndWasAnsweredWithThatMuchAudio() {
        int fullCallMs = api.context().getBean(WarmUpProperties.class).fullCallMs();
        SynthesisRequest first = WarmUpRecords.since(bootstrap, started).requests().get(0);
        assertThat(first.maxAudioLengthMs()).isEqualTo(fullCallMs);
        List<ConsumerRecord<String, byte[]>> reply = TopicRecords.read(bootstrap, Topics.REPLIES,
                first.jobId()::equals);
        assertThat(reply).hasSize(1);
        SynthesisReply answer = WireJson.decode(reply.get(0).value(), SynthesisReply.class);
        assertThat(answer.result().durationMs()).isEqualTo(fullCallMs);
        Wav.Info wav = Wav.read(answer.wav());
        assertThat(Wav.durationMs(wav.dataBytes(), wav.sampleRate())).isEqualTo(fullCallMs);
    }

    @Test
    void beforeReadyTheApiAskedItsOwnHealthEndpointsForJsonAsNewcomersAndProbesDo() {
        // Nothing else in this test calls these before it looks: the counts are the warm-up's.
        io.micrometer.core.instrument.MeterRegistry meters =
                api.context().getBean(io.micrometer.core.instrument.MeterRegistry.class);
        Map<String, Long> calls = meters.find("http.server.requests").timers().stream()
                .collect(Collectors.groupingBy(t -> t.getId().getTag("uri"),
                        Collectors.summingLong(io.micrometer.core.instrument.Timer::count)));
        assertThat(calls).containsKeys("/health", "/actuator/health");
        // readiness and liveness share actuator's path template
        assertThat(calls.get("/actuator/health/**")).as("readiness and liveness calls in " + calls)
                .isGreaterThanOrEqualTo(2);
    }

    private static Set<String> warmUpJobIds() {
        Set<String> ids = WarmUpRecords.since(bootstrap, started).requests().stream().map(SynthesisRequest::jobId)
                .collect(Collectors.toSet());
        assertThat(ids).isNotEmpty();
        return ids;
    }

    @Test
    void noWarmUpCallReachesTheWorkersTopics() {
        assertThat(TopicRecords.read(bootstrap, Topics.REQUESTS_INTERACTIVE, warmUpJobIds()::contains)).isEmpty();
    }

    @Test
    void eachWarmUpCallWroteItsAcceptanceAndItsEndToTheJobEventsForTheStatusTable() {
        Set<String> ids = warmUpJobIds();
        Map<String, List<EventType>> types = TopicRecords.read(bootstrap, Topics.EVENTS, ids::contains).stream()
                .collect(Collectors.groupingBy(ConsumerRecord::key, Collectors.mapping(
                        r -> WireJson.decode(r.value(), JobEvent.class).type(), Collectors.toList())));
        assertThat(types.keySet()).isEqualTo(ids);
        assertThat(types.values()).allSatisfy(t -> assertThat(t).containsExactly(EventType.ACCEPTED,
                EventType.SUCCEEDED));
    }

    @Test
    void theStatusTableFoldedTheWarmUpCallsEndsBeforeTheApiWasReadyAndKeepsNoRowOfThem() {
        Set<String> ids = warmUpJobIds();
        WarmUpStatus table = api.context().getBean(WarmUpStatus.class);
        // Readiness waited for the first; the others follow on the same thread.
        Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> table.ended() == ids.size());
        StatusQueries status = api.context().getBean(StatusQueries.class);
        assertThat(ids).allSatisfy(id -> assertThat(status.findLocal(id)).isEmpty());
    }

    @Test
    void theApisKafkaClientsRegisterNoJmxBeansSoAProducersFirstWriteToATopicRegistersNone() throws Exception {
        MBeanServer jmx = ManagementFactory.getPlatformMBeanServer();
        // Nothing else in this JVM runs Kafka Streams or writes the warm-up topic: these would be the API's.
        assertThat(jmx.queryNames(new ObjectName("kafka.streams:*"), null)).isEmpty();
        assertThat(jmx.queryNames(new ObjectName("kafka.producer:type=producer-topic-metrics,topic="
                + Topics.WARM_UP + ",*"), null)).isEmpty();
        assertThat(WarmUpRecords.since(bootstrap, started).requests()).as("the API wrote the warm-up topic")
                .isNotEmpty();
    }

    @Test
    void aTopicNoProducerWritesIsStillFetchedOnFirstUse() {
        // The check itself can fail: the API never writes the workers' heartbeat topic, so nothing warmed it.
        assertThat(held("plainProducerFactory", Topics.WORKERS)).isFalse();
    }
}
