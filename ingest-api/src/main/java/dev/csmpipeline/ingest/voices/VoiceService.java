package dev.csmpipeline.ingest.voices;

import dev.csmpipeline.ingest.jobs.RequestPublisher;
import dev.csmpipeline.ingest.status.JobQuery;
import dev.csmpipeline.ingest.status.RecentlyAccepted;
import dev.csmpipeline.ingest.status.StatusQueries;
import dev.csmpipeline.model.AudioFormat;
import dev.csmpipeline.model.Conditioning;
import dev.csmpipeline.model.ContextRef;
import dev.csmpipeline.model.ControlCommand;
import dev.csmpipeline.model.FieldError;
import dev.csmpipeline.model.JobEvent;
import dev.csmpipeline.model.JobIds;
import dev.csmpipeline.model.JobKind;
import dev.csmpipeline.model.JobState;
import dev.csmpipeline.model.JobStatus;
import dev.csmpipeline.model.JobStatusFold;
import dev.csmpipeline.model.Limits;
import dev.csmpipeline.model.SynthesisRequest;
import dev.csmpipeline.model.Validation;
import dev.csmpipeline.model.VoiceClip;
import dev.csmpipeline.model.audio.WavReader;
import dev.csmpipeline.service.ApiError;
import dev.csmpipeline.service.ApiException;
import dev.csmpipeline.storage.client.ObjectKeys;
import dev.csmpipeline.storage.client.ObjectStorage;
import dev.csmpipeline.storage.client.StorageException;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.http.HttpStatus;

/**
 * The voice library: a reference clip and its transcript, checked here, stored under the tenant's prefix and
 * encoded into Mimi codes by a worker (a {@link JobKind#VOICE} job on the bulk request topic, like any other job: the
 * API never runs the model). A voice's state is its job's row in the status table. Requests that name a voice get
 * its clip as their first context segment ({@link #conditioningFor}).
 */
public class VoiceService {

    private static final Logger log = LoggerFactory.getLogger(VoiceService.class);

    private final RequestPublisher publisher;
    private final StatusQueries statuses;
    private final RecentlyAccepted recent;
    private final ObjectStorage storage;
    private final MeterRegistry metrics;
    private final Clock clock;

    public VoiceService(RequestPublisher publisher, StatusQueries statuses, RecentlyAccepted recent,
                        ObjectStorage storage, MeterRegistry metrics, Clock clock) {
        this.publisher = publisher;
        this.statuses = statuses;
        this.recent = recent;
        this.storage = storage;
        this.metrics = metrics;
        this.clock = clock;
    }

    /**
     * Checks the clip and the fields, stores the clip, then queues its encoding; answers once Kafka holds the job.
     *
     * @throws ApiException 422 naming every bad field
     */
    public JobStatus register(byte[] clip, String transcript, String name, Integer speakerId, String tenant) {
        List<FieldError> errors = new ArrayList<>();
        WavReader.Header header = checkClip(clip, errors);
        int speaker = speakerId == null ? 0 : speakerId;
        errors.addAll(Validation.collect(
                Validation.text("transcript", transcript, Limits.VOICE_TRANSCRIPT_MAX_CHARS),
                Validation.speakerId("speaker_id", speaker),
                name != null && name.length() > Limits.VOICE_NAME_MAX_CHARS
                        ? new FieldError("name", "must be at most " + Limits.VOICE_NAME_MAX_CHARS + " characters, was "
                        + name.length()) : null));
        if (!errors.isEmpty()) {
            throw new ApiException(HttpStatus.UNPROCESSABLE_CONTENT, ApiError.invalid(errors));
        }
        Instant now = clock.instant();
        String id = JobIds.newId(now);
        VoiceClip voice = new VoiceClip(blankToNull(name), transcript, ObjectKeys.voiceClip(tenant, id),
                ObjectKeys.voiceCodes(tenant, id), header.durationMs(), header.sampleRate(), header.channels());
        try {
            storage.put(voice.clipKey(), clip, ObjectStorage.WAV_CONTENT_TYPE, Map.of("voice-id", id));
        } catch (StorageException e) {
            throw new ApiException(HttpStatus.SERVICE_UNAVAILABLE, ApiError.of("storage_unavailable",
                    "the clip could not be stored, so the voice was not registered; retry later (" + e.getMessage()
                            + ")"));
        }
        SynthesisRequest request = new SynthesisRequest(id, JobKind.VOICE, transcript, speaker,
                Limits.MAX_AUDIO_LENGTH_MS_DEFAULT, null, AudioFormat.WAV, tenant, now, null, null, null, voice);
        JobEvent accepted = JobEvent.accepted(request, now);
        publisher.accept(List.of(request), List.of(accepted));
        JobStatus row = JobStatusFold.apply(null, accepted);
        recent.put(row);
        metrics.counter("tts.jobs.accepted", "kind", "voice").increment();
        log.info("event=voice_accepted voice={} tenant={} clip_ms={} source_rate={} channels={} bits={} bytes={}", id,
                tenant, header.durationMs(), header.sampleRate(), header.channels(), header.bits(), clip.length);
        return row;
    }

    /** The clip's header, or the reasons it cannot be a voice (added to {@code errors}). */
    static WavReader.Header checkClip(byte[] clip, List<FieldError> errors) {
        if (clip == null || clip.length == 0) {
            errors.add(new FieldError("file", "is required: a WAV clip of " + Limits.VOICE_CLIP_MS_MIN / 1000 + " to "
                    + Limits.VOICE_CLIP_MS_MAX / 1000 + " s, sent as multipart form field 'file'"));
            return null;
        }
        WavReader.Header header;
        try {
            header = WavReader.header(clip);
        } catch (WavReader.NotWavException e) {
            errors.add(new FieldError("file", e.getMessage()));
            return null;
        }
        long ms = header.durationMs();
        if (ms < Limits.VOICE_CLIP_MS_MIN || ms > Limits.VOICE_CLIP_MS_MAX) {
            errors.add(new FieldError("file", "must be " + Limits.VOICE_CLIP_MS_MIN / 1000 + " to "
                    + Limits.VOICE_CLIP_MS_MAX / 1000 + " s long, was " + String.format(java.util.Locale.ROOT,
                    "%.2f s", ms / 1000.0)));
        }
        return header;
    }

    /** The voice, if it exists for {@code tenant} (another tenant's voice is as unknown as a missing one). */
    public JobStatus get(String id, String tenant) {
        if (Validation.id("id", id) != null) {
            throw ApiException.notFound("voice", id);
        }
        return statuses.find(id).filter(s -> s.kind() == JobKind.VOICE && tenant.equals(s.tenant())
                        && s.state() != JobState.DELETED)
                .orElseThrow(() -> ApiException.notFound("voice", id));
    }

    /** The tenant's voices, newest first. */
    public List<JobStatus> list(String tenant, String before, int limit) {
        if (limit < 1 || limit > 500) {
            throw new ApiException(HttpStatus.BAD_REQUEST, ApiError.invalid(List.of(
                    new FieldError("limit", "must be between 1 and 500, was " + limit))));
        }
        return statuses.list(new JobQuery(tenant, null, JobKind.VOICE, before == null || before.isBlank() ? null
                : before, limit)).stream().filter(s -> s.state() != JobState.DELETED).toList();
    }

    /**
     * Deletes the voice and its stored clip and codes. A voice still being encoded is cancelled first. Requests
     * already queued with it fail when they reach a worker, unless that worker still holds the codes in its cache
     * (then they are spoken in the voice once more); new requests naming it are 404.
     */
    public void delete(String id, String tenant) {
        JobStatus s = get(id, tenant);
        Instant now = clock.instant();
        JobEvent deleted = JobEvent.deleted(id, now);
        if (s.isTerminal()) {
            publisher.publishEvents(List.of(deleted));
        } else {
            publisher.cancel(ControlCommand.cancelJob(id, tenant, now), List.of(deleted));
        }
        if (s.clip() != null) {
            storage.delete(s.clip().clipKey());
            storage.delete(s.clip().codesKey());
        }
        recent.put(JobStatusFold.apply(s, deleted));
        log.info("event=voice_deleted voice={} tenant={} state={}", id, tenant, s.state());
    }

    /**
     * The conditioning of a request that names {@code voiceId}: the voice's clip as its first context segment.
     *
     * @param field       the request's field name, for the error
     * @param framesAsked whether the client set the audio length (a prompt that leaves less room is then refused)
     * @throws ApiException 404 for a voice the tenant does not have, 409 for one not READY, each naming the field
     */
    public Conditioning conditioningFor(String voiceId, String tenant, String field, boolean framesAsked) {
        JobStatus s;
        try {
            s = get(voiceId, tenant);
        } catch (ApiException e) {
            throw new ApiException(HttpStatus.NOT_FOUND, new ApiError("voice_not_found", "no voice '"
                    + abbreviate(voiceId) + "' for this tenant: register one with POST /v1/voices or name a built-in "
                    + "speaker", List.of(new FieldError(field, "is not a voice of this tenant"))));
        }
        if (s.state() != JobState.SUCCEEDED || s.result() == null || s.clip() == null) {
            String reason = s.state() == JobState.FAILED ? "failed to encode"
                    + (s.error() == null ? "" : " (" + s.error().message() + ")") + "; register the clip again"
                    : "is " + s.state() + ", not READY yet; retry once GET /v1/voices/" + voiceId + " says READY";
            throw new ApiException(HttpStatus.CONFLICT, new ApiError("voice_not_ready", "voice " + voiceId + " "
                    + reason, List.of(new FieldError(field, reason)), VoiceView.stateOf(s.state())));
        }
        ContextRef clip = new ContextRef(ContextRef.VOICE, voiceId, s.speakerId(), s.clip().transcript(),
                s.clip().codesKey(), s.result().frames());
        return new Conditioning(voiceId, List.of(clip), framesAsked);
    }

    private static String blankToNull(String s) {
        return s == null || s.isBlank() ? null : s;
    }

    private static String abbreviate(String s) {
        return s.length() <= 64 ? s : s.substring(0, 64) + "...";
    }
}
