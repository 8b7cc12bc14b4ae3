package dev.csmpipeline.ingest.narration;

import com.ibm.icu.util.ULocale;
import dev.csmpipeline.ingest.jobs.RequestPublisher;
import dev.csmpipeline.ingest.status.JobQuery;
import dev.csmpipeline.ingest.status.RecentlyAccepted;
import dev.csmpipeline.ingest.status.StatusQueries;
import dev.csmpipeline.ingest.voices.VoiceService;
import dev.csmpipeline.ingest.audio.Formats;
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
import dev.csmpipeline.model.NarrationPlan;
import dev.csmpipeline.model.NarrationProgress;
import dev.csmpipeline.model.NarrationRef;
import dev.csmpipeline.model.Sampling;
import dev.csmpipeline.model.SynthesisRequest;
import dev.csmpipeline.model.Validation;
import dev.csmpipeline.model.WireJson;
import dev.csmpipeline.service.ApiError;
import dev.csmpipeline.service.ApiException;
import dev.csmpipeline.storage.client.ObjectKeys;
import dev.csmpipeline.storage.client.ObjectStorage;
import dev.csmpipeline.storage.client.StorageException;
import io.micrometer.core.instrument.MeterRegistry;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.http.HttpStatus;

/**
 * Narrations: a long document split at sentence boundaries into segment jobs that the whole fleet synthesizes in
 * parallel, then assembled into one WAV by the storage service.
 */
public class NarrationService {

    private static final Logger log = LoggerFactory.getLogger(NarrationService.class);

    private final RequestPublisher publisher;
    private final StatusQueries statuses;
    private final RecentlyAccepted recent;
    private final ObjectStorage storage;
    private final VoiceService voices;
    private final MeterRegistry metrics;
    private final Clock clock;

    public NarrationService(RequestPublisher publisher, StatusQueries statuses, RecentlyAccepted recent,
                            ObjectStorage storage, VoiceService voices, MeterRegistry metrics, Clock clock) {
        this.voices = voices;
        this.publisher = publisher;
        this.statuses = statuses;
        this.recent = recent;
        this.storage = storage;
        this.metrics = metrics;
        this.clock = clock;
    }

    /**
     * Validates and splits the document, stores its plan, then writes every segment job with its ACCEPTED event and
     * the narration's own ACCEPTED event in one transaction.
     */
    public NarrationView submit(NarrationSubmission body, String tenant) {
        List<FieldError> errors = new ArrayList<>();
        List<String> paragraphs = paragraphsOf(body, errors);
        int speaker = body == null || body.speakerId() == null ? 0 : body.speakerId();
        int pause = body == null || body.pauseMs() == null ? Limits.PAUSE_MS_DEFAULT : body.pauseMs();
        int maxChars = body == null || body.maxSegmentChars() == null ? Limits.SEGMENT_CHARS_DEFAULT
                : body.maxSegmentChars();
        String onFailure = body == null || body.onSegmentFailure() == null ? "fail"
                : body.onSegmentFailure().toLowerCase(Locale.ROOT);
        String continuity = body == null || body.continuity() == null ? Limits.CONTINUITY_NONE
                : body.continuity().toLowerCase(Locale.ROOT);
        if (body != null) {
            errors.addAll(Validation.collect(
                    Validation.speakerId("speaker_id", speaker),
                    Validation.temperature("temperature", body.temperature()),
                    Validation.topK("top_k", body.topK()),
                    Validation.range("pause_ms", pause, 0, Limits.PAUSE_MS_MAX),
                    Validation.range("max_segment_chars", maxChars, Limits.SEGMENT_CHARS_MIN,
                            Limits.SEGMENT_CHARS_MAX),
                    onFailure.equals("fail") || onFailure.equals("gap") ? null
                            : new FieldError("on_segment_failure", "must be fail or gap, was " + ApiError.echo(onFailure)),
                    continuity.equals(Limits.CONTINUITY_NONE) || continuity.equals(Limits.CONTINUITY_PREVIOUS) ? null
                            : new FieldError("continuity", "must be none or previous, was " + ApiError.echo(continuity))));
        }
        AudioFormat format = body == null ? null : Formats.ofSubmission(body.format(), errors);
        ULocale locale = body == null || body.language() == null ? ULocale.ENGLISH
                : ULocale.forLanguageTag(body.language());
        if (errors.isEmpty()) {
            SentenceSplitter splitter = new SentenceSplitter(locale);
            List<String> segments = new ArrayList<>();
            paragraphs.forEach(p -> segments.addAll(splitter.split(p, maxChars)));
            if (segments.isEmpty()) {
                errors.add(new FieldError(body.text() != null ? "text" : "paragraphs",
                        "must contain words to speak"));
            } else if (segments.size() > Limits.NARRATION_MAX_SEGMENTS) {
                errors.add(new FieldError("text", "splits into " + segments.size() + " segments; at most "
                        + Limits.NARRATION_MAX_SEGMENTS + " (raise max_segment_chars or split the document)"));
            } else {
                Conditioning voice = body.voice() == null ? null
                        : voices.conditioningFor(body.voice(), tenant, "voice", false);
                if (voice != null && body.speakerId() == null) {
                    speaker = voice.context().get(0).speakerId(); // the voice speaks unless told otherwise
                }
                return accept(body, tenant, segments, speaker, pause, onFailure.equals("gap"), voice, continuity,
                        format);
            }
        }
        throw new ApiException(HttpStatus.UNPROCESSABLE_CONTENT, ApiError.invalid(errors));
    }

    private NarrationView accept(NarrationSubmission body, String tenant, List<String> texts, int speaker, int pause,
                                 boolean gaps, Conditioning voice, String continuity, AudioFormat format) {
        Instant now = clock.instant();
        String id = JobIds.newId(now);
        long seed = body.seed() != null ? body.seed() : id.hashCode();
        Sampling sampling = new Sampling(body.temperature(), body.topK(), seed);
        List<NarrationPlan.Segment> segments = new ArrayList<>();
        for (int i = 0; i < texts.size(); i++) {
            segments.add(new NarrationPlan.Segment(i, NarrationPlan.segmentJobId(id, i), texts.get(i),
                    maxLengthFor(texts.get(i))));
        }
        NarrationPlan plan = new NarrationPlan(id, tenant, speaker, sampling, pause, gaps, now, segments, voice,
                continuity);
        List<SynthesisRequest> requests = new ArrayList<>();
        for (int i = 0; i < texts.size(); i++) {
            requests.add(plan.segmentRequest(i, now, n -> ObjectKeys.narrationSegmentCodes(id, n)));
        }
        try {
            storage.put(ObjectKeys.narrationPlan(id), WireJson.encode(plan), ObjectStorage.JSON_CONTENT_TYPE);
        } catch (StorageException e) {
            throw new ApiException(HttpStatus.SERVICE_UNAVAILABLE, ApiError.of("storage_unavailable",
                    "the narration plan could not be stored, so the narration was not accepted; retry later ("
                            + e.getMessage() + ")"));
        }
        int chars = texts.stream().mapToInt(String::length).sum();
        JobEvent accepted = JobEvent.narrationAccepted(id, tenant, speaker, chars, format, now);
        List<JobEvent> events = new ArrayList<>(List.of(accepted));
        requests.forEach(r -> events.add(JobEvent.accepted(r, now)));
        // Continuity runs the segments one after another: only the first is queued now (every one is ACCEPTED, so
        // progress counts them); the worker that ends segment n queues segment n + 1 from the plan.
        publisher.accept(plan.chained() ? requests.subList(0, 1) : requests, events);
        JobStatus row = JobStatusFold.apply(null, accepted);
        recent.put(row);
        metrics.counter("tts.jobs.accepted", "kind", "narration").increment();
        metrics.counter("tts.narration.segments.accepted").increment(texts.size());
        log.info("event=narration_accepted narration={} tenant={} segments={} chars={} pause_ms={} gaps={} voice={} "
                + "continuity={}", id, tenant, texts.size(), chars, pause, gaps, plan.voiceId(), continuity);
        return NarrationView.of(id, row, null, texts.size(), now);
    }

    /** About twice the time natural speech takes (70 ms per character), plus 2 s, within the job limit. */
    static int maxLengthFor(String text) {
        return Math.min(Limits.MAX_AUDIO_LENGTH_MS_MAX, 2_000 + text.length() * 140);
    }

    private static List<String> paragraphsOf(NarrationSubmission body, List<FieldError> errors) {
        if (body == null) {
            errors.add(new FieldError("body", "is required: a JSON object with text or paragraphs"));
            return List.of();
        }
        if ((body.text() == null) == (body.paragraphs() == null)) {
            errors.add(new FieldError("text", "send exactly one of text and paragraphs"));
            return List.of();
        }
        List<String> paragraphs = body.text() != null ? List.of(body.text()) : body.paragraphs();
        long bytes = paragraphs.stream().filter(p -> p != null)
                .mapToLong(p -> p.getBytes(StandardCharsets.UTF_8).length).sum();
        if (bytes > Limits.NARRATION_MAX_BYTES) {
            errors.add(new FieldError(body.text() != null ? "text" : "paragraphs", "must be at most "
                    + Limits.NARRATION_MAX_BYTES + " bytes of UTF-8, was " + bytes));
        }
        if (paragraphs.stream().anyMatch(p -> p == null)) {
            errors.add(new FieldError("paragraphs", "must not contain null"));
        }
        return errors.isEmpty() ? paragraphs : List.of();
    }

    /** The narration's row, if it exists and belongs to {@code tenant}. */
    public JobStatus row(String id, String tenant) {
        if (Validation.id("id", id) != null) {
            throw ApiException.notFound("narration", id);
        }
        return statuses.find(id).filter(s -> s.kind() == JobKind.NARRATION && tenant.equals(s.tenant()))
                .orElseThrow(() -> ApiException.notFound("narration", id));
    }

    public NarrationView get(String id, String tenant) {
        JobStatus row = row(id, tenant);
        Optional<NarrationProgress> progress = statuses.narrationProgress(id);
        return NarrationView.of(id, row, progress.orElse(null), progress.map(NarrationProgress::segmentCount)
                .orElse(0), clock.instant());
    }

    /** A page of the tenant's narrations, newest first (ids sort by age), each with its progress. */
    public List<NarrationView> list(String tenant, String before, int limit) {
        FieldError bad = Validation.range("limit", limit, 1, 500);
        if (bad != null) {
            throw new ApiException(HttpStatus.BAD_REQUEST, ApiError.invalid(List.of(bad)));
        }
        Instant now = clock.instant();
        return statuses.list(new JobQuery(tenant, null, JobKind.NARRATION, before == null || before.isBlank() ? null
                : before, limit)).stream().map(row -> {
                    NarrationProgress progress = statuses.narrationProgress(row.jobId()).orElse(null);
                    return NarrationView.of(row.jobId(), row, progress, 0, now);
                }).toList();
    }

    /** Cancels every segment not yet done: workers skip queued ones and stop running ones between frames. */
    public NarrationView cancel(String id, String tenant) {
        JobStatus row = row(id, tenant);
        if (row.isTerminal()) {
            throw new ApiException(HttpStatus.CONFLICT, ApiError.inState("narration_finished",
                    "narration " + id + " already ended " + row.state() + "; nothing to cancel", row.state()));
        }
        Instant now = clock.instant();
        JobEvent cancelled = JobEvent.cancelled(id, null, null, now);
        publisher.cancel(ControlCommand.cancelNarration(id, tenant, now), List.of(cancelled));
        log.info("event=narration_cancelled narration={} tenant={}", id, tenant);
        return NarrationView.of(id, JobStatusFold.apply(row, cancelled), statuses.narrationProgress(id).orElse(null),
                0, now);
    }

    /** The key of the final audio (or manifest); 409 while not assembled, 410 once expired. */
    public String finishedKey(String id, String tenant, boolean manifest) {
        JobStatus row = row(id, tenant);
        if (row.state() == JobState.EXPIRED) {
            throw new ApiException(HttpStatus.GONE, ApiError.inState("audio_expired",
                    "the audio of narration " + id + " was deleted by the retention policy", row.state()));
        }
        if (row.state() != JobState.SUCCEEDED) {
            NarrationView view = get(id, tenant);
            throw new ApiException(HttpStatus.CONFLICT, ApiError.inState("not_ready", "narration " + id + " is "
                    + view.state() + "; its audio and manifest exist once it is SUCCEEDED", view.state()));
        }
        return manifest ? ObjectKeys.narrationManifest(id) : ObjectKeys.narrationFinal(id);
    }
}
