package dev.csmpipeline.ingest.sync;

import dev.csmpipeline.ingest.IngestProperties;
import dev.csmpipeline.ingest.status.RecentlyAccepted;
import dev.csmpipeline.ingest.voices.VoiceService;
import dev.csmpipeline.model.AudioFormat;
import dev.csmpipeline.model.Conditioning;
import dev.csmpipeline.service.ApiException;
import dev.csmpipeline.model.ErrorCodes;
import dev.csmpipeline.model.FieldError;
import dev.csmpipeline.model.JobEvent;
import dev.csmpipeline.model.JobIds;
import dev.csmpipeline.model.JobKind;
import dev.csmpipeline.model.JobStatusFold;
import dev.csmpipeline.model.Limits;
import dev.csmpipeline.model.Sampling;
import dev.csmpipeline.model.SynthesisReply;
import dev.csmpipeline.model.SynthesisRequest;
import dev.csmpipeline.model.Validation;
import dev.csmpipeline.model.WarmUp;
import dev.csmpipeline.model.audio.Wav;
import dev.csmpipeline.storage.client.ObjectStorage;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.http.HttpStatus;

/** Synchronous synthesis for the compatibility endpoints: validate, call the fleet over Kafka, return the WAV. */
public class SyncService {

    private static final Logger log = LoggerFactory.getLogger(SyncService.class);

    /**
     * The audio of a sync call.
     *
     * @param jobId       the job it ran as (it also has a status and an audio URL afterwards)
     * @param wav         the WAV file
     * @param sampleRate  samples per second
     * @param durationMs  audio duration
     * @param synthesisMs engine time, when the worker reported it
     */
    public record Audio(String jobId, byte[] wav, int sampleRate, long durationMs, Long synthesisMs) {
    }

    private final SyncGateway gateway;
    private final VoiceService voices;
    private final ObjectStorage storage;
    private final IngestProperties props;
    private final RecentlyAccepted recent;
    private final MeterRegistry metrics;
    private final Clock clock;

    public SyncService(SyncGateway gateway, VoiceService voices, ObjectStorage storage, IngestProperties props,
                       RecentlyAccepted recent, MeterRegistry metrics, Clock clock) {
        this.gateway = gateway;
        this.voices = voices;
        this.storage = storage;
        this.props = props;
        this.recent = recent;
        this.metrics = metrics;
        this.clock = clock;
    }

    /**
     * Synthesizes {@code text} through the fleet and waits for it. The wait follows from the requested length:
     * INGEST_SYNC_WAIT_MARGIN plus max_audio_length_ms times INGEST_SYNC_REAL_TIME_FACTOR.
     *
     * @throws SyncException with a 4xx for bad input, 503 when Kafka or this instance cannot take it, 504 when no
     *                       worker answered in time, 422 when the engine rejected the text, 500 when it failed
     */
    public Audio synthesize(String text, Integer speakerId, Integer maxAudioLengthMs, Sampling sampling,
                            String tenant) {
        return synthesize(text, speakerId, maxAudioLengthMs, maxAudioLengthMs != null, sampling, null, tenant);
    }

    /**
     * As {@link #synthesize(String, Integer, Integer, Sampling, String)}, conditioned on the voice {@code voiceId}
     * (null for none): 404 for a voice the tenant does not have, 409 for one not READY, both naming {@code voice}.
     *
     * @param lengthAsked true when the client set the length: with a voice, a prompt that leaves the model less room
     *                    is refused rather than the cap shrinking to fit
     */
    public Audio synthesize(String text, Integer speakerId, Integer maxAudioLengthMs, boolean lengthAsked,
                            Sampling sampling, String voiceId, String tenant) {
        Prepared call = prepare(text, speakerId, maxAudioLengthMs, lengthAsked, sampling, voiceId, tenant, false);
        SynthesisRequest request = call.request();
        Timer.Sample sample = Timer.start(metrics);
        String outcome = "failed";
        try {
            SynthesisReply reply = call(request, call.accepted(), call.waitFor());
            if (!reply.success()) {
                throw failed(request, reply);
            }
            byte[] wav = reply.wav() != null ? reply.wav() : fetch(reply);
            Wav.Info info = Wav.read(wav);
            outcome = "succeeded";
            log.info("event=sync_succeeded job={} audio_ms={} bytes={} claim_check={}", request.jobId(),
                    info.durationMs(), wav.length, reply.isClaimCheck());
            return new Audio(request.jobId(), wav, info.sampleRate(), info.durationMs(),
                    reply.result() == null ? null : reply.result().synthesisMs());
        } finally {
            if (!WarmUp.isWarmUp(request)) { // the start-up's calls to itself are not service latency
                sample.stop(metrics.timer("tts.sync.latency", "outcome", outcome));
            }
        }
    }

    /**
     * A sync call checked and ready to send: the request (streaming its audio when {@code stream}), its ACCEPTED
     * event, and how long the caller waits.
     */
    public record Prepared(SynthesisRequest request, JobEvent accepted, Duration waitFor) {
    }

    /**
     * Checks a sync call and builds its request, as {@link #synthesize} does before sending it.
     *
     * @throws SyncException with a 4xx for bad input or a voice that cannot be used
     */
    public Prepared prepare(String text, Integer speakerId, Integer maxAudioLengthMs, boolean lengthAsked,
                            Sampling sampling, String voiceId, String tenant, boolean stream) {
        int speaker = speakerId == null ? 0 : speakerId;
        int maxMs = maxAudioLengthMs == null ? Limits.MAX_AUDIO_LENGTH_MS_DEFAULT : maxAudioLengthMs;
        List<FieldError> errors = Validation.collect(
                Validation.text("text", text, Limits.TEXT_MAX_CHARS),
                Validation.speakerId("speaker_id", speaker),
                Validation.maxAudioLengthMs("max_audio_length_ms", maxMs),
                sampling == null ? null : Validation.temperature("temperature", sampling.temperature()),
                sampling == null ? null : Validation.topK("top_k", sampling.topK()));
        if (!errors.isEmpty()) {
            FieldError first = errors.get(0);
            String message = errors.stream().map(e -> e.field() + " " + e.reason()).reduce((a, b) -> a + "; " + b)
                    .orElseThrow();
            throw new SyncException(HttpStatus.BAD_REQUEST, "validation_failed", message, first.field());
        }
        Conditioning conditioning = voiceId == null ? null : conditioningFor(voiceId, tenant, lengthAsked);
        if (conditioning != null && speakerId == null) {
            speaker = conditioning.context().get(0).speakerId(); // the voice speaks unless told otherwise
        }
        Duration wait = props.syncWaitMargin().plusMillis((long) (maxMs * props.syncRealTimeFactor()));
        Instant now = clock.instant();
        SynthesisRequest request = new SynthesisRequest(JobIds.newId(now), JobKind.SYNC, text, speaker, maxMs,
                sampling, AudioFormat.WAV, tenant, now, now.plus(wait), null, conditioning, null);
        if (stream) {
            request = request.withStream(true);
        }
        JobEvent accepted = JobEvent.accepted(request, now);
        recent.put(JobStatusFold.apply(null, accepted));
        return new Prepared(request, accepted, wait);
    }

    /**
     * Sends a prepared call and returns its reply to come, for a caller that relays the audio chunks meanwhile.
     *
     * @throws SyncException 503 when Kafka or this instance cannot take it
     */
    public java.util.concurrent.CompletableFuture<SynthesisReply> send(Prepared call) {
        try {
            return gateway.send(call.request(), call.accepted(), call.waitFor());
        } catch (SyncGateway.SyncFailure f) {
            throw exceptionOf(call.request(), f);
        }
    }

    /** The error a failed reply stands for: 422 for an engine rejection, 504 past the deadline, else 500. */
    static SyncException failed(SynthesisRequest request, SynthesisReply reply) {
        String code = reply.error() == null ? "failed" : reply.error().code();
        String message = reply.error() == null ? "synthesis failed" : reply.error().message();
        return new SyncException(ErrorCodes.ENGINE_REJECTED.equals(code) ? HttpStatus.UNPROCESSABLE_CONTENT
                : ErrorCodes.DEADLINE_EXCEEDED.equals(code) ? HttpStatus.GATEWAY_TIMEOUT
                : HttpStatus.INTERNAL_SERVER_ERROR, code.toLowerCase(), message, null, request.jobId());
    }

    private Conditioning conditioningFor(String voiceId, String tenant, boolean framesAsked) {
        try {
            return voices.conditioningFor(voiceId, tenant, "voice", framesAsked);
        } catch (ApiException e) {
            throw new SyncException(e.status(), e.body().error(), e.body().message(), "voice");
        }
    }

    private SynthesisReply call(SynthesisRequest request, JobEvent accepted, Duration wait) {
        try {
            return gateway.call(request, accepted, wait);
        } catch (SyncGateway.SyncFailure f) {
            throw exceptionOf(request, f);
        }
    }

    private static SyncException exceptionOf(SynthesisRequest request, SyncGateway.SyncFailure f) {
        HttpStatus status = switch (f.failure()) {
            case TIMEOUT -> HttpStatus.GATEWAY_TIMEOUT;
            case KAFKA_UNAVAILABLE, SHUTTING_DOWN -> HttpStatus.SERVICE_UNAVAILABLE;
        };
        return new SyncException(status, f.failure().name().toLowerCase(), f.getMessage(), null,
                f.failure() == SyncGateway.Failure.KAFKA_UNAVAILABLE ? null : request.jobId());
    }

    /** The audio of a successful reply: inline, or read from storage (claim check). */
    public byte[] audioOf(SynthesisReply reply) {
        return reply.wav() != null ? reply.wav() : fetch(reply);
    }

    /** Claim check: audio too large for a Kafka message is read from storage. */
    private byte[] fetch(SynthesisReply reply) {
        String key = reply.result().objectKey();
        return storage.get(key).orElseThrow(() -> new SyncException(HttpStatus.INTERNAL_SERVER_ERROR,
                "audio_missing", "the worker reported audio at " + key + " but storage has none", null));
    }
}
