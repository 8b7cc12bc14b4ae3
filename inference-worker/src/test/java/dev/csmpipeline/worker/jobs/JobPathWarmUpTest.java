package dev.csmpipeline.worker.jobs;

import static org.assertj.core.api.Assertions.assertThat;

import dev.csmpipeline.model.EventType;
import dev.csmpipeline.model.JobEvent;
import dev.csmpipeline.model.SynthesisReply;
import dev.csmpipeline.model.SynthesisRequest;
import dev.csmpipeline.model.Topics;
import dev.csmpipeline.model.WarmUp;
import dev.csmpipeline.model.WireJson;
import dev.csmpipeline.service.WarmUpProperties;
import dev.csmpipeline.storage.client.ObjectKeys;
import dev.csmpipeline.storage.client.ObjectStorage;
import dev.csmpipeline.testsupport.PipelineInfra;
import dev.csmpipeline.testsupport.ProducerMetadata;
import dev.csmpipeline.testsupport.RunningService;
import dev.csmpipeline.testsupport.TopicRecords;
import dev.csmpipeline.testsupport.WarmUpRecords;
import dev.csmpipeline.testsupport.WithPipelineInfra;
import dev.csmpipeline.worker.WorkerApplication;
import dev.csmpipeline.worker.WorkerProperties;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.Producer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.kafka.core.ProducerFactory;

/**
 * Before its first record, a started worker (a batching one, so its batched path is warmed too) has run warm-up
 * jobs through its job path, then one through its own consumer from each interactive partition, reporting them to
 * the warm-up topic only, and its producer holds the metadata of the topics a job's outcome goes to.
 */
@WithPipelineInfra
class JobPathWarmUpTest {

    private static final String WORKER_ID = "warm-up-test";

    private static RunningService worker;
    private static PipelineInfra infra;
    private static Instant started;

    @BeforeAll
    static void start(PipelineInfra pipelineInfra) {
        infra = pipelineInfra;
        started = Instant.now();
        Map<String, Object> props = new HashMap<>(RunningService.FULL_WARM_UP);
        props.putAll(Map.of("worker.id", WORKER_ID, "worker.batch", 2));
        worker = RunningService.start(WorkerApplication.builder(), infra, props);
    }

    @AfterAll
    static void stop() {
        worker.close();
    }

    private static List<JobEvent> warmUpOutcomes() {
        return WarmUpRecords.since(infra.kafkaBootstrapServers(), started).events().stream()
                .filter(e -> WORKER_ID.equals(e.workerId()) && e.type().isTerminal()).toList();
    }

    /** The warm-up requests the worker wrote to the interactive topic for its own consumer. */
    private static List<ConsumerRecord<String, byte[]>> requestsThroughTheConsumer() {
        return TopicRecords.read(infra.kafkaBootstrapServers(), Topics.REQUESTS_INTERACTIVE).stream()
                .filter(r -> r.timestamp() >= started.toEpochMilli())
                .filter(r -> WarmUp.isWarmUp(WireJson.decode(r.value(), SynthesisRequest.class))).toList();
    }

    /** The warm-up jobs the worker handed to its listener itself (not through its consumer), in the order they ended. */
    private static List<JobEvent> jobsThroughTheListener() {
        Set<String> throughConsumer = requestsThroughTheConsumer().stream().map(ConsumerRecord::key)
                .collect(Collectors.toSet());
        return warmUpOutcomes().stream().filter(e -> !throughConsumer.contains(e.jobId())).toList();
    }

    @Test
    void theWarmUpJobsRanOnePerRowOfTheBatchThenAFullLengthOneThenOneAfterAnotherAndAllSucceeded() {
        int calls = worker.context().getBean(WarmUpProperties.class).calls();
        int rows = worker.context().getBean(WorkerProperties.class).totalSlots();
        assertThat(jobsThroughTheListener()).hasSize(Math.min(rows, calls) + 1 + calls)
                .allSatisfy(e -> assertThat(e.type()).isEqualTo(EventType.SUCCEEDED));
    }

    @Test
    void theFullLengthWarmUpJobSynthesizedTheWholeLengthAfterTheBatchedOnes() {
        WarmUpProperties warmUp = worker.context().getBean(WarmUpProperties.class);
        int fullCallMs = warmUp.fullCallMs();
        int together = Math.min(worker.context().getBean(WorkerProperties.class).totalSlots(), warmUp.calls());
        List<Long> durations = jobsThroughTheListener().stream().map(e -> e.result().durationMs()).toList();
        // The tiny model stops only at the frame cap, so the job's audio is as long as it asked for.
        assertThat(durations.get(together)).isEqualTo(fullCallMs);
        assertThat(durations).filteredOn(d -> d == fullCallMs).hasSize(1);
    }

    @Test
    void thenOneWarmUpRequestFromEachInteractivePartitionWentThroughTheWorkersOwnConsumerAndSucceeded() {
        List<ConsumerRecord<String, byte[]>> records = requestsThroughTheConsumer();
        int partitions = TopicRecords.partitions(infra.kafkaBootstrapServers(), Topics.REQUESTS_INTERACTIVE);
        // The only worker of its group holds every partition.
        assertThat(records).extracting(ConsumerRecord::partition).doesNotHaveDuplicates().hasSize(partitions);
        Map<String, EventType> outcomes = warmUpOutcomes().stream()
                .collect(Collectors.toMap(JobEvent::jobId, JobEvent::type));
        assertThat(records).allSatisfy(r -> assertThat(outcomes.get(r.key())).isEqualTo(EventType.SUCCEEDED));
    }

    @Test
    void theWarmUpRequestsThroughTheConsumerAreCommittedSoNoWorkerRunsThemAgain() {
        String group = worker.context().getBean(WorkerProperties.class).interactiveGroupId();
        assertThat(requestsThroughTheConsumer()).isNotEmpty();
        assertThat(TopicRecords.lag(infra.kafkaBootstrapServers(), group, Topics.REQUESTS_INTERACTIVE)).isZero();
    }

    @Test
    void eachWarmUpJobRepliedWithItsAudioOnTheWarmUpTopic() {
        Set<String> ids = warmUpOutcomes().stream().map(JobEvent::jobId).collect(Collectors.toSet());
        List<SynthesisReply> replies = WarmUpRecords.since(infra.kafkaBootstrapServers(), started).replies().stream()
                .filter(r -> ids.contains(r.jobId())).toList();
        assertThat(replies).extracting(SynthesisReply::jobId).containsExactlyInAnyOrderElementsOf(ids);
        assertThat(replies).allSatisfy(r -> assertThat(r.success() && r.wav().length > 44).isTrue());
    }

    @Test
    void noWarmUpJobsOutcomeReachesTheJobTopicsOrStaysInTheBucket() {
        Set<String> ids = warmUpOutcomes().stream().map(JobEvent::jobId).collect(Collectors.toSet());
        assertThat(ids).isNotEmpty();
        assertThat(TopicRecords.read(infra.kafkaBootstrapServers(), Topics.EVENTS, ids::contains)).isEmpty();
        assertThat(TopicRecords.read(infra.kafkaBootstrapServers(), Topics.REPLIES, ids::contains)).isEmpty();
        ObjectStorage storage = worker.context().getBean(ObjectStorage.class);
        assertThat(ids).allSatisfy(id -> assertThat(storage.stat(ObjectKeys.audio(id))).isEmpty());
    }

    @Test
    void theWorkersProducerHoldsTheEventAndReplyTopicsMetadataBeforeTheFirstJob() {
        try (Producer<?, ?> producer = worker.context().getBean("workerProducerFactory", ProducerFactory.class)
                .createProducer()) {
            assertThat(ProducerMetadata.held(producer, Topics.EVENTS)).isTrue();
            assertThat(ProducerMetadata.held(producer, Topics.REPLIES)).isTrue();
            assertThat(ProducerMetadata.held(producer, Topics.NARRATIONS_READY)).isTrue();
            // The check can fail: nothing warms a topic the worker never writes.
            assertThat(ProducerMetadata.held(producer, Topics.CONTROL)).isFalse();
        }
    }
}
