package dev.csmpipeline.ingest.streaming;

import dev.csmpipeline.ingest.sync.SyncException;
import dev.csmpipeline.ingest.sync.SyncService;
import dev.csmpipeline.model.ErrorCodes;
import dev.csmpipeline.model.JobError;
import dev.csmpipeline.model.JobState;
import dev.csmpipeline.model.JobStatus;
import dev.csmpipeline.model.Limits;
import dev.csmpipeline.model.SpeechChunk;
import dev.csmpipeline.model.SynthesisReply;
import dev.csmpipeline.storage.client.ObjectStorage;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.kafka.core.ConsumerFactory;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.web.servlet.mvc.method.annotation.ResponseBodyEmitter;
import org.springframework.web.servlet.mvc.method.annotation.SseEmitter;
import org.springframework.web.servlet.mvc.method.annotation.StreamingResponseBody;

/**
 * Streamed audio for the API: a sync speech call's audio as raw bytes or OpenAI's SSE events, and an async job's
 * audio while it runs. Each stream relays the worker's chunks and completes, or fails, with the job (see
 * {@link StreamPump}); a listener that disconnects stops only its own stream, never the job.
 */
public class SpeechStreams {

    private static final Logger log = LoggerFactory.getLogger(SpeechStreams.class);
    /** How often an async stream without new chunks looks at its job's status. */
    private static final Duration STATUS_EVERY = Duration.ofMillis(250);

    private final ChunkRelay relay;
    private final ConsumerFactory<String, SpeechChunk> jobChunks;
    private final SyncService sync;
    private final ObjectStorage storage;
    private final Executor executor;
    private final Clock clock;

    public SpeechStreams(ChunkRelay relay, ConsumerFactory<String, SpeechChunk> jobChunks, SyncService sync,
                         ObjectStorage storage, Executor executor, Clock clock) {
        this.relay = relay;
        this.jobChunks = jobChunks;
        this.sync = sync;
        this.storage = storage;
        this.executor = executor;
        this.clock = clock;
    }

    /**
     * A sync call, sent now (failures to send are thrown here, before any byte), its audio written as it comes. An
     * emitter rather than a {@link StreamingResponseBody}: the speech endpoint answers errors and whole files too,
     * and MVC recognises an emitter in a {@code ResponseEntity<?>} at run time.
     */
    public ResponseBodyEmitter audio(SyncService.Prepared call, boolean wav, MediaType type) {
        Started s = start(call);
        ResponseBodyEmitter emitter = new ResponseBodyEmitter(call.waitFor().plusSeconds(30).toMillis());
        writeOn(s, () -> {
            try {
                pump(s, new RawAudioSink(new EmitterOutput(emitter, type), wav));
                emitter.complete();
            } catch (IOException e) {
                emitter.completeWithError(e); // cuts the response off: never a shorter file that looks whole
            }
        });
        return emitter;
    }

    /** Bytes written to an emitter, each write sent (and flushed) as it is. */
    private static final class EmitterOutput extends java.io.OutputStream {
        private final ResponseBodyEmitter emitter;
        private final MediaType type;

        EmitterOutput(ResponseBodyEmitter emitter, MediaType type) {
            this.emitter = emitter;
            this.type = type;
        }

        @Override
        public void write(int b) throws IOException {
            write(new byte[] {(byte) b}, 0, 1);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            emitter.send(java.util.Arrays.copyOfRange(b, off, off + len), type);
        }
    }

    /** A sync call, sent now, its audio as {@code speech.audio.delta} events. */
    public SseEmitter sse(SyncService.Prepared call, boolean wav, int inputChars) {
        Started s = start(call);
        SseEmitter emitter = new SseEmitter(call.waitFor().plusSeconds(30).toMillis());
        writeOn(s, () -> {
            try {
                pump(s, new SseAudioSink(emitter, wav, inputChars));
            } catch (IOException e) {
                emitter.completeWithError(e);
            }
        });
        return emitter;
    }

    /**
     * An async job's audio from its start, while it runs and after: {@code status} supplies the job's state as it
     * changes; the stream ends with the job.
     */
    public StreamingResponseBody jobAudio(JobStatus first, Supplier<JobStatus> status, Duration limit, boolean wav) {
        String jobId = first.jobId();
        return out -> {
            ChunkSource chunks;
            try {
                chunks = JobChunkReader.open(jobChunks, jobId, first.acceptedAt());
            } catch (RuntimeException e) {
                log.warn("event=stream_failed job={} reason={}", jobId, e.toString());
                throw new RawAudioSink.StreamFailed(new JobError(ErrorCodes.ENGINE_ERROR,
                        "the job's audio chunks could not be read from Kafka: " + e.getMessage()));
            }
            run(jobId, chunks, statusEnding(status), new RawAudioSink(out, wav), clock.instant().plus(limit));
        };
    }

    private record Started(String jobId, ChunkSource chunks, CompletableFuture<SynthesisReply> reply,
                           Instant deadline) {
    }

    private Started start(SyncService.Prepared call) {
        String jobId = call.request().jobId();
        ChunkSource chunks = relay.subscribe(jobId); // before the request goes: no chunk can be missed
        try {
            CompletableFuture<SynthesisReply> reply = sync.send(call);
            return new Started(jobId, chunks, reply, call.request().deadline().plusSeconds(1));
        } catch (RuntimeException e) {
            chunks.close();
            throw e;
        }
    }

    /** Runs a stream's writer; with every writer busy the call fails with 503 (its job still runs to its end). */
    private void writeOn(Started s, Runnable writer) {
        try {
            executor.execute(writer);
        } catch (RejectedExecutionException e) {
            s.chunks().close();
            throw new SyncException(HttpStatus.SERVICE_UNAVAILABLE, "too_many_streams", "this instance is already "
                    + "writing its most streams at once; the job " + s.jobId() + " still runs: fetch its audio from "
                    + "/v1/jobs/" + s.jobId() + "/audio, or retry", null, s.jobId());
        }
    }

    private void pump(Started s, AudioSink sink) throws IOException {
        run(s.jobId(), s.chunks(), replyEnding(s.reply()), sink, s.deadline());
    }

    private void run(String jobId, ChunkSource chunks, JobEnding ending, AudioSink sink, Instant deadline)
            throws IOException {
        try {
            StreamPump.run(jobId, chunks, ending, sink, deadline, clock);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            sink.failed(new JobError(ErrorCodes.ENGINE_ERROR, "this ingest instance is stopping"));
        } catch (RawAudioSink.StreamFailed e) {
            throw e;
        } catch (IOException e) {
            log.info("event=stream_listener_gone job={} reason={}", jobId, e.getMessage());
            throw e;
        } catch (RuntimeException e) {
            // e.g. the finished job's audio could not be read: the listener must not wait for an end that never comes
            log.warn("event=stream_failed job={} reason={}", jobId, e.toString());
            sink.failed(new JobError(ErrorCodes.STORAGE_UNAVAILABLE, "the stream could not be completed: "
                    + e.getMessage()));
        }
    }

    /** A sync call ends with its reply: the audio inline or in storage, or the worker's error. */
    private JobEnding replyEnding(CompletableFuture<SynthesisReply> reply) {
        return () -> {
            if (!reply.isDone()) {
                return Optional.empty();
            }
            try {
                SynthesisReply r = reply.get();
                return Optional.of(r.success() ? JobEnding.Outcome.succeeded(() -> sync.audioOf(r))
                        : JobEnding.Outcome.failed(r.error() != null ? r.error()
                        : new JobError(ErrorCodes.ENGINE_ERROR, "synthesis failed")));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return Optional.of(JobEnding.Outcome.failed(new JobError(ErrorCodes.ENGINE_ERROR, "interrupted")));
            } catch (ExecutionException | CompletionException e) {
                Throwable cause = e.getCause() != null ? e.getCause() : e;
                return Optional.of(JobEnding.Outcome.failed(new JobError(ErrorCodes.DEADLINE_EXCEEDED,
                        cause.getMessage())));
            }
        };
    }

    /** An async job ends with its status: SUCCEEDED (its stored file), or FAILED, CANCELLED, EXPIRED. */
    private JobEnding statusEnding(Supplier<JobStatus> status) {
        long[] lastLook = {0};
        return () -> {
            long now = System.nanoTime();
            if (now - lastLook[0] < STATUS_EVERY.toNanos()) {
                return Optional.empty();
            }
            lastLook[0] = now;
            JobStatus s = status.get();
            if (!s.isTerminal()) {
                return Optional.empty();
            }
            if (s.state() == JobState.SUCCEEDED && s.result() != null) {
                String key = s.result().objectKey();
                return Optional.of(JobEnding.Outcome.succeeded(() -> storage.get(key).orElseThrow(
                        () -> new IllegalStateException("the audio of job " + s.jobId() + " is no longer stored"))));
            }
            JobError error = s.error() != null ? s.error() : new JobError(s.state().name(),
                    "job " + s.jobId() + " ended " + s.state() + " without audio");
            return Optional.of(JobEnding.Outcome.failed(error));
        };
    }

    /** The longest an async job's stream stays open: its longest audio at the sync factor, plus margin. */
    public static Duration jobStreamLimit(Duration margin, double realTimeFactor) {
        return margin.plusMillis((long) (Limits.MAX_AUDIO_LENGTH_MS_MAX * realTimeFactor)).plusMinutes(10);
    }
}
