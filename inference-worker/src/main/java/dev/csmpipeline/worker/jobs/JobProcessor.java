package dev.csmpipeline.worker.jobs;

import dev.csmpipeline.engine.EngineInfo;
import dev.csmpipeline.engine.EngineRejectedException;
import dev.csmpipeline.engine.SpeechEngine;
import dev.csmpipeline.engine.SpeechPrompt;
import dev.csmpipeline.engine.Synthesis;
import dev.csmpipeline.engine.SynthesisCancelledException;
import dev.csmpipeline.engine.SynthesisControl;
import dev.csmpipeline.model.AudioResult;
import dev.csmpipeline.model.ContextReport;
import dev.csmpipeline.model.audio.CodeFrames;
import dev.csmpipeline.worker.narration.NarrationChain;
import dev.csmpipeline.worker.voices.ContextLoader;
import dev.csmpipeline.worker.voices.VoiceEncoder;
import dev.csmpipeline.worker.streaming.ChunkPublisher;
import dev.csmpipeline.model.ErrorCodes;
import dev.csmpipeline.model.FieldError;
import dev.csmpipeline.model.JobError;
import dev.csmpipeline.model.JobEvent;
import dev.csmpipeline.model.JobKind;
import dev.csmpipeline.model.Limits;
import dev.csmpipeline.model.Sampling;
import dev.csmpipeline.model.SynthesisReply;
import dev.csmpipeline.model.SynthesisRequest;
import dev.csmpipeline.model.Validation;
import dev.csmpipeline.model.audio.Wav;
import dev.csmpipeline.storage.client.ObjectKeys;
import dev.csmpipeline.storage.client.ObjectStorage;
import dev.csmpipeline.storage.client.StorageException;
import dev.csmpipeline.storage.client.StorageRetry;
import dev.csmpipeline.storage.client.StoredObject;
import dev.csmpipeline.worker.WorkerProperties;
import dev.csmpipeline.worker.control.CancellationRegistry;
import dev.csmpipeline.worker.jobs.PrioritySlots.Priority;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.apache.kafka.common.header.Headers;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What a worker does with one request, in order: validate it, skip it when cancelled (or its caller is gone), reuse
 * the result an earlier delivery stored, synthesize, store, finish ({@link JobLifecycle}: the terminal event and a
 * sync call's reply, durable). The caller commits the offset only after this returns {@link Outcome#DONE}.
 */
public class JobProcessor {

    /** What the listener does with the record's offset. */
    public enum Outcome {
        /** A terminal event is durable: commit. */
        DONE,
        /** The worker is stopping and left the job unfinished: do not commit; another worker takes it. */
        ABANDONED
    }

    private static final Logger log = LoggerFactory.getLogger(JobProcessor.class);

    private final SpeechEngine engine;
    private final ObjectStorage storage;
    private final VoiceEncoder voices;
    private final ContextLoader contexts;
    private final JobLifecycle lifecycle;
    private final ChunkPublisher chunks;
    private final EventPublisher events;
    private final CancellationRegistry cancellations;
    private final PrioritySlots slots;
    private final WorkerProperties props;
    private final WorkerMetrics metrics;
    private final ShutdownState shutdown;
    private final StorageRetry storageRetry;
    private final Clock clock;
    /** Storage lookups run beside synthesis; a daemon pool, so it never holds the JVM open. */
    private final ExecutorService storageLookups = Executors.newCachedThreadPool(runnable -> {
        Thread t = new Thread(runnable, "storage-lookup");
        t.setDaemon(true);
        return t;
    });

    public JobProcessor(SpeechEngine engine, ObjectStorage storage, VoiceEncoder voices, ContextLoader contexts,
                        JobLifecycle lifecycle, ChunkPublisher chunks, EventPublisher events,
                        CancellationRegistry cancellations,
                        PrioritySlots slots, WorkerProperties props, WorkerMetrics metrics, ShutdownState shutdown,
                        Clock clock) {
        this.engine = engine;
        this.storage = storage;
        this.voices = voices;
        this.contexts = contexts;
        this.lifecycle = lifecycle;
        this.chunks = chunks;
        this.events = events;
        this.cancellations = cancellations;
        this.slots = slots;
        this.props = props;
        this.metrics = metrics;
        this.shutdown = shutdown;
        this.storageRetry = new StorageRetry(props.storageRetryFor());
        this.clock = clock;
    }

    /**
     * The same processor (engine, storage, slots, cancellations) with a job's outcome reported elsewhere: its events,
     * replies and metrics. The warm-up runs its jobs through this, so they run the serving code without being seen.
     */
    public JobProcessor reportingTo(JobLifecycle lifecycle, EventPublisher events, WorkerMetrics metrics) {
        return new JobProcessor(engine, storage, voices, contexts, lifecycle, chunks, events, cancellations, slots,
                props, metrics, shutdown, clock);
    }

    public Outcome process(SynthesisRequest request, Headers headers, Priority priority) {
        validate(request);
        if (skipped(request, headers)) {
            return Outcome.DONE;
        }
        if (request.kind() == JobKind.VOICE) {
            return encodeVoice(request, headers, priority);
        }
        String key = objectKey(request);
        // Was this job stored by an earlier delivery (a worker that died before committing)? The answer is looked
        // up while the job waits for its slot and synthesizes, so it costs a sync call no time.
        CompletableFuture<Optional<StoredObject>> earlier = CompletableFuture.supplyAsync(
                () -> storageRetry.call(request.jobId(), () -> storage.stat(key)), storageLookups);
        // A bulk job waits for the answer before it starts (it has no caller waiting); a sync job only before its
        // result is announced.
        if (request.kind() != JobKind.SYNC && reuseEarlierResult(request, headers, key, joinStorage(earlier))) {
            return Outcome.DONE;
        }
        return synthesizeAndStore(request, headers, priority, key, earlier);
    }

    private static void validate(SynthesisRequest request) {
        List<FieldError> errors = Validation.validate(request);
        if (!errors.isEmpty()) {
            throw new InvalidRequestException(errors);
        }
    }

    /** Ends a job that must not run: cancelled before it started, or a sync call whose caller stopped waiting. */
    private boolean skipped(SynthesisRequest request, Headers headers) {
        String jobId = request.jobId();
        String narrationId = request.narration() == null ? null : request.narration().narrationId();
        if (cancellations.isCancelled(jobId, narrationId)) {
            log.info("event=job_skipped job={} reason=cancelled_before_start", jobId);
            lifecycle.cancelled(request, headers);
            return true;
        }
        if (request.kind() == JobKind.SYNC && request.isExpired(clock.instant())) {
            log.info("event=job_skipped job={} reason=caller_gone deadline={}", jobId, request.deadline());
            lifecycle.failed(request, headers, new JobError(ErrorCodes.DEADLINE_EXCEEDED, "the caller stopped "
                    + "waiting at " + request.deadline() + " before a worker was free"));
            return true;
        }
        return false;
    }

    /**
     * A voice: reuse the codes an earlier delivery stored, or encode the clip (holding a synthesis slot: it runs the
     * model's Mimi encoder), then SUCCEEDED with the codes' place and frame count, or FAILED with the reason.
     */
    private Outcome encodeVoice(SynthesisRequest request, Headers headers, Priority priority) {
        String voiceId = request.jobId();
        Optional<AudioResult> earlier = storageRetry.call(voiceId, () -> voices.stored(request));
        if (earlier.isPresent()) {
            log.info("event=job_result_reused job={} key={} reason=redelivered_after_store", voiceId,
                    earlier.get().objectKey());
            lifecycle.succeeded(request, headers, engine.info().modelName(), earlier.get(), null, null);
            return Outcome.DONE;
        }
        if (!acquire(priority)) {
            log.info("event=job_handed_back job={} reason=worker_stopping", voiceId);
            return Outcome.ABANDONED;
        }
        AudioResult result;
        try {
            EngineInfo info = engine.info();
            events.publish(JobEvent.started(request, props.id(), info.modelName(), info.device(), clock.instant()));
            log.info("event=job_started job={} kind={} clip_ms={}", voiceId, request.kind(),
                    request.clip().clipMs());
            result = storageRetry.call(voiceId, () -> voices.encode(request));
        } catch (EngineRejectedException e) {
            log.info("event=job_rejected job={} reason={}", voiceId, e.getMessage());
            lifecycle.failed(request, headers, new JobError(ErrorCodes.ENGINE_REJECTED, e.getMessage()));
            return Outcome.DONE;
        } finally {
            slots.release(priority);
        }
        lifecycle.succeeded(request, headers, engine.info().modelName(), result, null, null);
        return Outcome.DONE;
    }

    /** Announces the result stored by an earlier delivery, if there is one; returns whether there was. */
    private boolean reuseEarlierResult(SynthesisRequest request, Headers headers, String key,
                                       Optional<StoredObject> stored) {
        if (stored.isEmpty() || stored.get().sha256() == null) {
            return false;
        }
        log.info("event=job_result_reused job={} key={} reason=redelivered_after_store", request.jobId(), key);
        lifecycle.succeeded(request, headers, engine.info().modelName(), resultOf(stored.get(), null),
                ContextReport.fromMetadata(stored.get().metadata()), null);
        return true;
    }

    private static <T> T joinStorage(CompletableFuture<T> lookup) {
        try {
            return lookup.join();
        } catch (CompletionException e) {
            throw e.getCause() instanceof RuntimeException r ? r : e;
        }
    }

    private Outcome synthesizeAndStore(SynthesisRequest request, Headers headers, Priority priority, String key,
                                       CompletableFuture<Optional<StoredObject>> earlier) {
        String jobId = request.jobId();
        if (!acquire(priority)) {
            log.info("event=job_handed_back job={} reason=worker_stopping", jobId);
            return Outcome.ABANDONED;
        }
        Synthesis synthesis;
        SpeechPrompt prompt;
        long t0 = System.nanoTime();
        try {
            Instant startedAt = clock.instant();
            EngineInfo info = engine.info();
            events.publish(JobEvent.started(request, props.id(), info.modelName(), info.device(), startedAt));
            metrics.queueWait(request.requestedAt(), startedAt);
            log.info("event=job_started job={} kind={} frames_max={} speaker={}", jobId, request.kind(),
                    request.maxFrames(), request.speakerId());
            prompt = promptOf(request);
            synthesis = synthesize(request, headers, prompt, startedAt);
        } catch (SynthesisCancelledException e) {
            if (shutdown.abandonInFlight()) {
                log.warn("event=job_abandoned job={} frames_done={} reason=worker_stopping", jobId, e.framesDone());
                return Outcome.ABANDONED;
            }
            log.info("event=job_cancelled job={} frames_done={}", jobId, e.framesDone());
            lifecycle.cancelled(request, headers);
            return Outcome.DONE;
        } catch (EngineRejectedException e) {
            log.info("event=job_rejected job={} reason={}", jobId, e.getMessage());
            lifecycle.failed(request, headers, new JobError(ErrorCodes.ENGINE_REJECTED, e.getMessage()));
            return Outcome.DONE;
        } finally {
            slots.release(priority);
        }
        long synthNanos = System.nanoTime() - t0;
        if (reuseEarlierResult(request, headers, key, joinStorage(earlier))) {
            return Outcome.DONE; // one job, one result: the stored one wins over this re-synthesis
        }
        byte[] wav = Wav.encode(synthesis.pcm(), synthesis.sampleRate());
        ContextReport context = contextReport(request, prompt, synthesis);
        CompletableFuture<?> earlyReply = replyBeforeStoring(request, headers, key, wav, synthesis.frames(),
                synthNanos);
        if (NarrationChain.continues(request)) {
            storeCodesForNextSegment(request, synthesis);
        }
        StoredObject object = putWithRetry(request, key, wav, context);
        AudioResult result = resultOf(object, synthesis.frames()).withSynthesisMs(synthNanos / 1_000_000);
        metrics.synthesized(synthNanos, result.durationMs());
        log.info("event=job_synthesized job={} frames={} audio_ms={} synth_ms={} stop={} voice={} context_frames={}",
                jobId, synthesis.frames(), result.durationMs(), synthNanos / 1_000_000, synthesis.stopReason(),
                request.voiceId(), synthesis.contextFrames());
        lifecycle.succeeded(request, headers, engine.info().modelName(), result, context, earlyReply);
        return Outcome.DONE;
    }

    /**
     * The engine's synthesis; for a job that asked to stream, with its audio published chunk by chunk as it is made
     * (a model without the streaming decoder synthesizes at once: its listener then gets the stored file).
     */
    private Synthesis synthesize(SynthesisRequest request, Headers headers, SpeechPrompt prompt, Instant startedAt) {
        JobControl control = new JobControl(request);
        if (!request.streams() || !engine.canStream()) {
            return engine.synthesize(prompt, control);
        }
        int chunkFrames = Math.min(props.streamChunkFrames(), engine.maxChunkFrames());
        return engine.synthesizeStreaming(prompt, control, chunkFrames,
                chunks.forAttempt(request, headers, startedAt, engine.info().sampleRate()));
    }

    /**
     * A sync caller whose audio fits in the reply gets it as soon as it is synthesized, while the audio is stored: the
     * upload is off the call's critical path. The reply names the object and its SHA-256 as they will be stored.
     * Should the upload then fail for good, the job still ends FAILED (the caller already has its audio); should the
     * worker die first, the redelivered job re-synthesizes with the same seed.
     *
     * @return the reply's send, or null when the reply waits for the upload (async jobs, audio too large to inline)
     */
    private CompletableFuture<?> replyBeforeStoring(SynthesisRequest request, Headers headers, String key, byte[] wav,
                                                   int frames, long synthNanos) {
        if (request.kind() != JobKind.SYNC || wav.length > Limits.INLINE_REPLY_MAX_BYTES) {
            return null;
        }
        StoredObject expected = new StoredObject(key, wav.length, Wav.CONTENT_TYPE, ObjectStorage.sha256Hex(wav),
                clock.instant(), Map.of());
        AudioResult result = resultOf(expected, frames).withSynthesisMs(synthNanos / 1_000_000);
        return events.reply(headers, SynthesisReply.succeeded(request.jobId(), result, wav,
                engine.info().modelName()));
    }

    private boolean acquire(Priority priority) {
        try {
            return slots.acquire(priority);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for a synthesis slot", e);
        }
    }

    /** Uploads the WAV (with what it was conditioned on as metadata), retrying transient failures. */
    private StoredObject putWithRetry(SynthesisRequest request, String key, byte[] wav, ContextReport context) {
        Map<String, String> metadata = new java.util.LinkedHashMap<>();
        metadata.put("job-id", request.jobId());
        if (context != null) {
            metadata.putAll(context.toMetadata());
        }
        return storageRetry.call(request.jobId(), () -> storage.put(key, wav, Wav.CONTENT_TYPE, metadata));
    }

    /** What the synthesis was conditioned on, or null for a request without voice or context. */
    private static ContextReport contextReport(SynthesisRequest request, SpeechPrompt prompt, Synthesis synthesis) {
        if (request.conditioning() == null) {
            return null;
        }
        return new ContextReport(request.voiceId(), prompt.context().size(), prompt.contextFrames(),
                synthesis.promptPositions());
    }

    /**
     * Continuity: the next segment is conditioned on this one's audio as Mimi codes, encoded from the synthesized
     * audio as any context clip is (Sesame's generator does the same with earlier turns). A model without the
     * encoder, or a failure here, only costs the next segment its continuity, never this segment.
     */
    private void storeCodesForNextSegment(SynthesisRequest request, Synthesis synthesis) {
        String key = ObjectKeys.narrationSegmentCodes(request.narration().narrationId(),
                request.narration().segmentIndex());
        try {
            List<int[]> codes = engine.encodeAudio(synthesis.pcm());
            storageRetry.call(request.jobId(), () -> storage.put(key, CodeFrames.encode(codes),
                    CodeFrames.CONTENT_TYPE));
        } catch (EngineRejectedException | StorageException e) {
            log.warn("event=continuity_codes_skipped job={} reason={}", request.jobId(), e.getMessage());
        }
    }

    private AudioResult resultOf(StoredObject object, Integer frames) {
        int sampleRate = engine.info().sampleRate();
        long dataBytes = Math.max(0, object.size() - Wav.HEADER_BYTES);
        Integer frameCount = frames != null ? frames
                : (int) Math.round(Wav.durationMs(dataBytes, sampleRate) / (double) Limits.MS_PER_FRAME);
        return new AudioResult(object.key(), Wav.durationMs(dataBytes, sampleRate), sampleRate, object.size(),
                object.sha256(), frameCount);
    }

    /** Where the audio of {@code request} is stored. */
    public static String objectKey(SynthesisRequest request) {
        return request.kind() == JobKind.NARRATION_SEGMENT && request.narration() != null
                ? ObjectKeys.narrationSegment(request.narration().narrationId(), request.narration().segmentIndex())
                : ObjectKeys.audio(request.jobId());
    }

    /**
     * The engine's prompt: the text, and the request's context segments before it (a voice's clip, the previous
     * narration segment). A request without a seed gets one derived from its job id, so a redelivered job
     * synthesizes the same audio. The frame cap shrinks to the room the context leaves unless the client asked for
     * that length.
     */
    SpeechPrompt promptOf(SynthesisRequest request) {
        Sampling s = request.effectiveSampling();
        long seed = s.seed() != null ? s.seed() : seedOf(request.jobId());
        SpeechPrompt text = new SpeechPrompt(request.text(), request.speakerId(), request.maxFrames(),
                s.temperature(), s.topK(), seed);
        if (request.conditioning() == null) {
            return text;
        }
        return text.withContext(contexts.segments(request), !request.conditioning().strictFrames());
    }

    static long seedOf(String jobId) {
        long h = 1125899906842597L;
        for (int i = 0; i < jobId.length(); i++) {
            h = 31 * h + jobId.charAt(i);
        }
        return h;
    }

    /** Progress out (throttled), cancellation in, between frames. */
    private final class JobControl implements SynthesisControl {
        private final SynthesisRequest request;
        private final String narrationId;
        private long lastProgressNanos = System.nanoTime();

        JobControl(SynthesisRequest request) {
            this.request = request;
            this.narrationId = request.narration() == null ? null : request.narration().narrationId();
        }

        @Override
        public void onFrame(int framesDone) {
            long now = System.nanoTime();
            if (now - lastProgressNanos >= props.progressInterval().toNanos()) {
                lastProgressNanos = now;
                events.publish(JobEvent.progress(request, props.id(), framesDone, clock.instant()));
            }
        }

        @Override
        public boolean isCancelled() {
            return shutdown.abandonInFlight() || cancellations.isCancelled(request.jobId(), narrationId);
        }
    }
}
