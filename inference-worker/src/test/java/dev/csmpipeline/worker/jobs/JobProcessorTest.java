package dev.csmpipeline.worker.jobs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.csmpipeline.engine.BundledModels;
import dev.csmpipeline.engine.CsmEngine;
import dev.csmpipeline.engine.EngineOptions;
import dev.csmpipeline.model.AudioFormat;
import dev.csmpipeline.model.ControlCommand;
import dev.csmpipeline.model.ErrorCodes;
import dev.csmpipeline.model.EventType;
import dev.csmpipeline.model.JobEvent;
import dev.csmpipeline.model.JobIds;
import dev.csmpipeline.model.JobKind;
import dev.csmpipeline.model.Limits;
import dev.csmpipeline.model.NarrationPlan;
import dev.csmpipeline.model.Sampling;
import dev.csmpipeline.model.SynthesisRequest;
import dev.csmpipeline.model.Topics;
import dev.csmpipeline.model.SpeechChunk;
import dev.csmpipeline.model.WireJson;
import dev.csmpipeline.service.WireValueSerializer;
import dev.csmpipeline.storage.client.ObjectKeys;
import dev.csmpipeline.storage.client.ObjectStorage;
import dev.csmpipeline.testsupport.PipelineInfra;
import dev.csmpipeline.testsupport.TopicRecords;
import dev.csmpipeline.testsupport.WithPipelineInfra;
import dev.csmpipeline.worker.WorkerProperties;
import dev.csmpipeline.worker.control.CancellationRegistry;
import dev.csmpipeline.worker.jobs.JobProcessor.Outcome;
import dev.csmpipeline.worker.jobs.PrioritySlots.Priority;
import dev.csmpipeline.worker.narration.NarrationChain;
import dev.csmpipeline.worker.streaming.ChunkPublisher;
import dev.csmpipeline.worker.voices.ContextLoader;
import dev.csmpipeline.worker.voices.VoiceEncoder;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.kafka.core.DefaultKafkaProducerFactory;
import org.springframework.kafka.core.KafkaTemplate;

/**
 * A job's lifecycle in the worker, one request at a time through {@link JobProcessor} (no listener container):
 * validate, skip if cancelled or expired, reuse an earlier result, synthesize, store, finish; with the tiny CSM, a
 * real broker and a real S3 server.
 */
@WithPipelineInfra
class JobProcessorTest {

    private static CsmEngine engine;
    private static ObjectStorage storage;
    private static DefaultKafkaProducerFactory<String, Object> producers;
    private static KafkaTemplate<String, Object> kafka;
    private static CancellationRegistry cancellations;
    private static ShutdownState shutdown;
    private static JobProcessor processor;
    private static PipelineInfra infra;

    @BeforeAll
    static void start(PipelineInfra pipelineInfra) {
        infra = pipelineInfra;
        engine = CsmEngine.load(BundledModels.tinyRandom(), EngineOptions.cpu(1));
        storage = infra.newStorage();
        producers = new DefaultKafkaProducerFactory<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, infra.kafkaBootstrapServers(),
                ProducerConfig.ACKS_CONFIG, "all"), new StringSerializer(), new WireValueSerializer());
        kafka = new KafkaTemplate<>(producers);
        EventPublisher events = new EventPublisher(kafka);
        cancellations = new CancellationRegistry(infra.kafkaBootstrapServers(), Clock.systemUTC());
        shutdown = new ShutdownState();
        WorkerProperties props = new WorkerProperties("unit-worker", null, 1, 0, null, null, null,
                Duration.ofSeconds(2), null, null, null, null, null);
        processor = new JobProcessor(engine, storage, new VoiceEncoder(engine, storage),
                new ContextLoader(storage, 4, new SimpleMeterRegistry()),
                lifecycle(events, "unit-worker"), new ChunkPublisher(kafka, "unit-worker"), events, cancellations, new PrioritySlots(1),
                props, new WorkerMetrics(new SimpleMeterRegistry()), shutdown, Clock.systemUTC());
    }

    @AfterAll
    static void stop() {
        producers.destroy();
        storage.close();
        engine.close();
    }

    private static SynthesisRequest request(JobKind kind, String text) {
        Instant now = Instant.now();
        return new SynthesisRequest(JobIds.newId(now), kind, text, 0, 400, new Sampling(0.0, 1, 1L),
                AudioFormat.WAV, "t", now, kind == JobKind.SYNC ? now.plusSeconds(60) : null, null);
    }

    private static JobLifecycle lifecycle(EventPublisher events, String workerId) {
        return new JobLifecycle(events, new NarrationChain(storage, events, Clock.systemUTC()),
                new ChunkPublisher(kafka, workerId), new WorkerMetrics(new SimpleMeterRegistry()), workerId, Clock.systemUTC());
    }

    @Test
    void aValidJobIsSynthesizedStoredAndEndsSucceeded() {
        SynthesisRequest r = request(JobKind.ASYNC, "Hello there.");
        assertThat(processor.process(r, new RecordHeaders(), Priority.BULK)).isEqualTo(Outcome.DONE);
        assertThat(storage.stat(ObjectKeys.audio(r.jobId()))).isPresent();
        List<JobEvent> events = eventsOf(r.jobId());
        assertThat(events).extracting(JobEvent::type).contains(EventType.STARTED, EventType.SUCCEEDED);
        JobEvent done = events.get(events.size() - 1);
        assertThat(done.result().objectKey()).isEqualTo(ObjectKeys.audio(r.jobId()));
        assertThat(done.result().sha256()).isEqualTo(storage.stat(ObjectKeys.audio(r.jobId())).get().sha256());
    }

    @Test
    void aStreamingJobPublishesOrderedChunksWhoseSamplesAreTheStoredWav() throws Exception {
        SynthesisRequest r = request(JobKind.ASYNC, "Heard while it is made.").withStream(true);
        assertThat(processor.process(r, new RecordHeaders(), Priority.BULK)).isEqualTo(Outcome.DONE);
        List<SpeechChunk> chunks = TopicRecords.read(infra.kafkaBootstrapServers(), Topics.AUDIO_CHUNKS,
                r.jobId()::equals).stream().map(c -> WireJson.decode(c.value(), SpeechChunk.class)).toList();
        assertThat(chunks).isNotEmpty();
        assertThat(chunks).extracting(SpeechChunk::sequence)
                .containsExactlyElementsOf(java.util.stream.IntStream.range(0, chunks.size()).boxed().toList());
        assertThat(chunks).extracting(SpeechChunk::attempt).containsOnly(chunks.get(0).attempt());
        assertThat(chunks.get(chunks.size() - 1).last()).isTrue();
        java.io.ByteArrayOutputStream streamed = new java.io.ByteArrayOutputStream();
        for (SpeechChunk c : chunks) {
            streamed.write(c.pcm());
        }
        byte[] wav = storage.get(ObjectKeys.audio(r.jobId())).orElseThrow();
        dev.csmpipeline.model.audio.Wav.Info info = dev.csmpipeline.model.audio.Wav.read(wav);
        assertThat(streamed.toByteArray()).isEqualTo(java.util.Arrays.copyOfRange(wav, info.dataOffset(),
                (int) (info.dataOffset() + info.dataBytes())));
    }

    @Test
    void aStreamingJobCancelledBeforeItStartsClosesItsStreamWithTheReason() {
        SynthesisRequest r = request(JobKind.ASYNC, "Never streamed.").withStream(true);
        cancellations.record(ControlCommand.cancelJob(r.jobId(), "t", Instant.now()));
        assertThat(processor.process(r, new RecordHeaders(), Priority.BULK)).isEqualTo(Outcome.DONE);
        List<SpeechChunk> chunks = TopicRecords.read(infra.kafkaBootstrapServers(), Topics.AUDIO_CHUNKS,
                r.jobId()::equals).stream().map(c -> WireJson.decode(c.value(), SpeechChunk.class)).toList();
        assertThat(chunks).singleElement().satisfies(c -> {
            assertThat(c.last()).isTrue();
            assertThat(c.error().code()).isEqualTo(ErrorCodes.CANCELLED);
        });
    }

    @Test
    void aJobCancelledBeforeItStartsIsSkippedWithoutSynthesis() {
        SynthesisRequest r = request(JobKind.ASYNC, "Never spoken.");
        cancellations.record(ControlCommand.cancelJob(r.jobId(), "t", Instant.now()));
        assertThat(processor.process(r, new RecordHeaders(), Priority.BULK)).isEqualTo(Outcome.DONE);
        assertThat(eventsOf(r.jobId())).extracting(JobEvent::type)
                .containsExactly(EventType.CANCELLED);
        assertThat(storage.stat(ObjectKeys.audio(r.jobId()))).isEmpty();
    }

    @Test
    void aSyncJobWhoseCallerStoppedWaitingFailsWithoutSynthesis() {
        Instant past = Instant.now().minusSeconds(5);
        SynthesisRequest r = new SynthesisRequest(JobIds.newId(past), JobKind.SYNC, "Too late.", 0, 400, null,
                AudioFormat.WAV, "t", past, past.plusSeconds(1), null);
        assertThat(processor.process(r, new RecordHeaders(), Priority.INTERACTIVE)).isEqualTo(Outcome.DONE);
        List<JobEvent> events = eventsOf(r.jobId());
        assertThat(events).extracting(JobEvent::type).containsExactly(EventType.FAILED);
        assertThat(events.get(0).error().code()).isEqualTo(ErrorCodes.DEADLINE_EXCEEDED);
    }

    @Test
    void aRedeliveredJobReusesItsStoredAudioInsteadOfSynthesizingAgain() {
        SynthesisRequest r = request(JobKind.ASYNC, "Said once.");
        processor.process(r, new RecordHeaders(), Priority.BULK);
        String sha = storage.stat(ObjectKeys.audio(r.jobId())).orElseThrow().sha256();
        assertThat(processor.process(r, new RecordHeaders(), Priority.BULK)).isEqualTo(Outcome.DONE);
        List<JobEvent> events = eventsOf(r.jobId());
        assertThat(events).filteredOn(e -> e.type() == EventType.STARTED).hasSize(1);
        assertThat(events).filteredOn(e -> e.type() == EventType.SUCCEEDED).extracting(e -> e.result().sha256())
                .containsExactly(sha, sha);
    }

    @Test
    void anInvalidRequestIsRefusedForTheDeadLetterTopic() {
        SynthesisRequest r = new SynthesisRequest(JobIds.newId(Instant.now()), JobKind.ASYNC, "", 99, 400, null,
                AudioFormat.WAV, "t", Instant.now(), null, null);
        assertThatThrownBy(() -> processor.process(r, new RecordHeaders(), Priority.BULK))
                .isInstanceOf(InvalidRequestException.class).hasMessageContaining("speaker_id");
    }

    @Test
    void anEngineRejectionEndsTheJobFailedWithTheEnginesReason() {
        // 2,000 CJK characters are more byte-level tokens than the model's 2,048 positions: the engine refuses it
        SynthesisRequest r = request(JobKind.ASYNC, "漢字".repeat(Limits.TEXT_MAX_CHARS / 2));
        assertThat(processor.process(r, new RecordHeaders(), Priority.BULK)).isEqualTo(Outcome.DONE);
        List<JobEvent> events = eventsOf(r.jobId());
        JobEvent failed = events.get(events.size() - 1);
        assertThat(failed.error().code()).isEqualTo(ErrorCodes.ENGINE_REJECTED);
        assertThat(failed.error().message()).contains("context");
    }

    @Test
    void aStoppingWorkerAbandonsTheJobInHandWithoutATerminalEvent() {
        ShutdownState stopping = new ShutdownState();
        stopping.abandonInFlightJobs();
        EventPublisher events = new EventPublisher(kafka);
        JobProcessor leaving = new JobProcessor(engine, storage, new VoiceEncoder(engine, storage),
                new ContextLoader(storage, 4, new SimpleMeterRegistry()),
                lifecycle(events, "leaving"), new ChunkPublisher(kafka, "leaving"), events, cancellations, new PrioritySlots(1),
                new WorkerProperties("leaving", null, 1, 0, null, null, null, null, null, null, null, null, null),
                new WorkerMetrics(new SimpleMeterRegistry()), stopping, Clock.systemUTC());
        SynthesisRequest r = request(JobKind.ASYNC, "Left for another worker.");
        assertThat(leaving.process(r, new RecordHeaders(), Priority.BULK)).isEqualTo(Outcome.ABANDONED);
        assertThat(storage.stat(ObjectKeys.audio(r.jobId()))).isEmpty();
    }

    @Test
    void theEndOfAChainedSegmentQueuesTheNextOneFromThePlan() {
        Instant now = Instant.now();
        String id = JobIds.newId(now);
        List<NarrationPlan.Segment> segments = List.of(
                new NarrationPlan.Segment(0, NarrationPlan.segmentJobId(id, 0), "First part.", 400),
                new NarrationPlan.Segment(1, NarrationPlan.segmentJobId(id, 1), "Second part.", 400));
        NarrationPlan plan = new NarrationPlan(id, "t", 0, new Sampling(0.0, 1, 3L), 0, false, now, segments, null,
                Limits.CONTINUITY_PREVIOUS);
        storage.put(ObjectKeys.narrationPlan(id), WireJson.encode(plan), ObjectStorage.JSON_CONTENT_TYPE);
        SynthesisRequest first = plan.segmentRequest(0, now, n -> ObjectKeys.narrationSegmentCodes(id, n));
        assertThat(processor.process(first, new RecordHeaders(), Priority.BULK)).isEqualTo(Outcome.DONE);
        SynthesisRequest next = requestOnTopic(NarrationPlan.segmentJobId(id, 1));
        assertThat(next.text()).isEqualTo("Second part.");
        assertThat(next.conditioning().context()).extracting(c -> c.id())
                .containsExactly(NarrationPlan.segmentJobId(id, 0));
    }

    /** Events of {@code jobId} on tts.events: the processor returns once its terminal event is durable. */
    private static List<JobEvent> eventsOf(String jobId) {
        return TopicRecords.events(infra.kafkaBootstrapServers(), jobId::equals);
    }

    private static SynthesisRequest requestOnTopic(String jobId) {
        return TopicRecords.read(infra.kafkaBootstrapServers(), Topics.REQUESTS, jobId::equals).stream()
                .map(r -> WireJson.decode(r.value(), SynthesisRequest.class)).findFirst().orElseThrow();
    }
}
