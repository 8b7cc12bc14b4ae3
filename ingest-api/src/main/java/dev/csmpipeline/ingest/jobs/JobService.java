package dev.csmpipeline.ingest.jobs;

import dev.csmpipeline.ingest.audio.Formats;
import dev.csmpipeline.ingest.status.JobQuery;
import dev.csmpipeline.ingest.status.RecentlyAccepted;
import dev.csmpipeline.ingest.status.StatusQueries;
import dev.csmpipeline.ingest.voices.VoiceService;
import dev.csmpipeline.model.AudioFormat;
import dev.csmpipeline.model.Conditioning;
import dev.csmpipeline.model.ControlCommand;
import dev.csmpipeline.model.FieldError;
import dev.csmpipeline.model.JobEvent;
import dev.csmpipeline.model.JobIds;
import dev.csmpipeline.model.JobKind;
import dev.csmpipeline.model.JobState;
import dev.csmpipeline.model.JobStatus;
import dev.csmpipeline.model.JobStatusFold;
import dev.csmpipeline.model.Limits;
import dev.csmpipeline.model.Sampling;
import dev.csmpipeline.model.SynthesisRequest;
import dev.csmpipeline.model.Validation;
import dev.csmpipeline.service.ApiError;
import dev.csmpipeline.service.ApiException;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.http.HttpStatus;

/** Accepting, finding, listing and cancelling jobs. */
public class JobService {

    private static final Logger log = LoggerFactory.getLogger(JobService.class);
    private static final int IDEMPOTENCY_KEY_MAX = 255;

    private final RequestPublisher publisher;
    private final VoiceService voices;
    private final StatusQueries statuses;
    private final RecentlyAccepted recent;
    private final MeterRegistry metrics;
    private final Clock clock;

    public JobService(RequestPublisher publisher, VoiceService voices, StatusQueries statuses,
                      RecentlyAccepted recent, MeterRegistry metrics, Clock clock) {
        this.publisher = publisher;
        this.voices = voices;
        this.statuses = statuses;
        this.recent = recent;
        this.metrics = metrics;
        this.clock = clock;
    }

    /** What {@link #submit} did: the job, and whether it already existed for the Idempotency-Key. */
    public record Submitted(JobStatus status, boolean replayed) {
    }

    /**
     * Validates, then writes the request and its ACCEPTED event; returns once Kafka acknowledged both. A repeat with
     * the same Idempotency-Key returns the job the first one created.
     */
    public Submitted submit(JobSubmission body, String tenant, String idempotencyKey) {
        List<FieldError> errors = new ArrayList<>();
        if (idempotencyKey != null && (idempotencyKey.isBlank() || idempotencyKey.length() > IDEMPOTENCY_KEY_MAX)) {
            errors.add(new FieldError("Idempotency-Key", "must be 1 to " + IDEMPOTENCY_KEY_MAX + " characters"));
        }
        SynthesisRequest request = toRequest(body, tenant, JobKind.ASYNC, errors);
        if (!errors.isEmpty()) {
            throw new ApiException(HttpStatus.UNPROCESSABLE_CONTENT, ApiError.invalid(errors));
        }
        JobEvent accepted = JobEvent.accepted(request, idempotencyKey, request.requestedAt());
        JobStatus status = JobStatusFold.apply(null, accepted);
        if (idempotencyKey != null) {
            Optional<JobStatus> first = firstJobOf(tenant, idempotencyKey, status);
            if (first.isPresent()) {
                log.info("event=job_replayed job={} tenant={}", first.get().jobId(), tenant);
                return new Submitted(first.get(), true);
            }
        }
        try {
            publisher.accept(List.of(request), List.of(accepted));
        } catch (ApiException e) {
            if (idempotencyKey != null) {
                recent.forgetIdempotencyKey(tenant, idempotencyKey, request.jobId());
            }
            throw e;
        }
        recent.put(status);
        metrics.counter("tts.jobs.accepted", "kind", "async").increment();
        log.info("event=job_accepted job={} tenant={} chars={} speaker={} max_ms={}", request.jobId(), tenant,
                request.text().length(), request.speakerId(), request.maxAudioLengthMs());
        return new Submitted(status, false);
    }

    /**
     * The job a tenant's Idempotency-Key already created, as it stands now; or empty, and from now on the key names
     * {@code status}'s job. The key's owner is looked up once: in the idempotency table (every instance's keys, once
     * folded), else among the keys this instance took in the last minute (not folded yet), where an unknown key is
     * taken at once, so two quick submits with one key cannot both create a job here.
     */
    private Optional<JobStatus> firstJobOf(String tenant, String idempotencyKey, JobStatus status) {
        return statuses.idempotentJob(tenant, idempotencyKey)
                .or(() -> recent.putIfAbsent(tenant, idempotencyKey, status).map(JobStatus::jobId))
                .map(id -> statuses.find(id).orElseThrow(() -> new ApiException(HttpStatus.SERVICE_UNAVAILABLE,
                        ApiError.of("status_unavailable", "job " + id + ", created by this Idempotency-Key, cannot "
                                + "be read yet; retry in a few seconds"))));
    }

    /**
     * The wire request for an API body, collecting every violated rule into {@code errors} (API field names).
     */
    public SynthesisRequest toRequest(JobSubmission body, String tenant, JobKind kind, List<FieldError> errors) {
        if (body == null) {
            errors.add(new FieldError("body", "is required: a JSON object with at least \"text\""));
            return null;
        }
        int speaker = body.speakerId() == null ? 0 : body.speakerId();
        int maxMs = body.maxAudioLengthMs() == null ? Limits.MAX_AUDIO_LENGTH_MS_DEFAULT : body.maxAudioLengthMs();
        errors.addAll(Validation.collect(
                Validation.text("text", body.text(), Limits.TEXT_MAX_CHARS),
                Validation.speakerId("speaker_id", speaker),
                Validation.maxAudioLengthMs("max_audio_length_ms", maxMs),
                Validation.temperature("temperature", body.temperature()),
                Validation.topK("top_k", body.topK())));
        AudioFormat format = Formats.ofSubmission(body.format(), errors);
        Conditioning conditioning = body.voice() == null || !errors.isEmpty() ? null
                : voices.conditioningFor(body.voice(), tenant, "voice", body.maxAudioLengthMs() != null);
        if (conditioning != null && body.speakerId() == null) {
            speaker = conditioning.context().get(0).speakerId(); // the voice speaks unless told otherwise
        }
        Instant now = clock.instant();
        return new SynthesisRequest(JobIds.newId(now), kind, body.text(), speaker, maxMs,
                new Sampling(body.temperature(), body.topK(), body.seed()), format == null ? AudioFormat.WAV : format,
                tenant, now, null, null, conditioning, null, Boolean.TRUE.equals(body.stream()) ? Boolean.TRUE : null);
    }

    /** The job, if it exists and belongs to {@code tenant}; another tenant's job is as unknown as a missing one. */
    public JobStatus get(String jobId, String tenant) {
        if (Validation.id("id", jobId) != null) {
            throw ApiException.notFound("job", jobId);
        }
        return statuses.find(jobId).filter(s -> tenant.equals(s.tenant()) || s.tenant() == null && isDefault(tenant))
                .orElseThrow(() -> ApiException.notFound("job", jobId));
    }

    public List<JobStatus> list(String tenant, String state, String before, int limit) {
        List<FieldError> errors = new ArrayList<>();
        JobState parsed = null;
        if (state != null && !state.isBlank()) {
            try {
                parsed = JobState.valueOf(state.toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                errors.add(new FieldError("state", "must be one of " + List.of(JobState.values()) + ", was '"
                        + state + "'"));
            }
        }
        if (limit < 1 || limit > 500) {
            errors.add(new FieldError("limit", "must be between 1 and 500, was " + limit));
        }
        if (!errors.isEmpty()) {
            throw new ApiException(HttpStatus.BAD_REQUEST, ApiError.invalid(errors));
        }
        return statuses.list(new JobQuery(tenant, parsed, null, before == null || before.isBlank() ? null : before,
                limit));
    }

    /**
     * Cancels a job: every worker learns it from the control topic (a queued job never runs, a running one stops
     * between frames). A job still queued ends CANCELLED at once; a running one when its worker stops it.
     */
    public JobStatus cancel(String jobId, String tenant) {
        JobStatus s = get(jobId, tenant);
        if (s.isTerminal()) {
            throw new ApiException(HttpStatus.CONFLICT, ApiError.inState("job_finished",
                    "job " + jobId + " already ended " + s.state() + "; nothing to cancel", s.state()));
        }
        Instant now = clock.instant();
        List<JobEvent> events = new ArrayList<>();
        events.add(JobEvent.cancelRequested(jobId, s.narration(), now));
        if (s.state() == JobState.QUEUED) {
            events.add(JobEvent.cancelled(jobId, s.narration(), null, now));
        }
        publisher.cancel(ControlCommand.cancelJob(jobId, tenant, now), events);
        log.info("event=job_cancel_requested job={} tenant={} state={}", jobId, tenant, s.state());
        JobStatus after = s;
        for (JobEvent e : events) {
            after = JobStatusFold.apply(after, e);
        }
        return after;
    }

    private static boolean isDefault(String tenant) {
        return Limits.DEFAULT_TENANT.equals(tenant);
    }
}
