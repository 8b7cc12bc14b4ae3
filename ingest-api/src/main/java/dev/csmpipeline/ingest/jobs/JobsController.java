package dev.csmpipeline.ingest.jobs;

import dev.csmpipeline.ingest.status.Pages;
import dev.csmpipeline.audio.DeliveryFormat;
import dev.csmpipeline.ingest.IngestProperties;
import dev.csmpipeline.ingest.audio.EncodedAudio;
import dev.csmpipeline.ingest.audio.Formats;
import dev.csmpipeline.ingest.streaming.SpeechStreams;
import dev.csmpipeline.ingest.security.Tenants;
import dev.csmpipeline.model.FieldError;
import dev.csmpipeline.model.JobState;
import dev.csmpipeline.model.JobStatus;
import dev.csmpipeline.service.ApiError;
import dev.csmpipeline.service.ApiException;
import dev.csmpipeline.service.AudioDelivery;
import dev.csmpipeline.storage.client.ObjectStorage;
import dev.csmpipeline.storage.client.StoredObject;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.Parameter;
import io.swagger.v3.oas.annotations.tags.Tag;
import jakarta.servlet.http.HttpServletRequest;
import java.net.URI;
import java.util.List;
import java.util.Map;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.servlet.mvc.method.annotation.SseEmitter;
import org.springframework.web.servlet.mvc.method.annotation.StreamingResponseBody;

/** Asynchronous jobs: submit, poll, download, list, cancel, follow. */
@Tag(name = "Jobs", description = "Asynchronous synthesis: submit text, poll its status, download the WAV")
@RestController
@RequestMapping("/v1/jobs")
public class JobsController {

    private final JobService jobs;
    private final ObjectStorage storage;
    private final IngestProperties props;
    private final JobEventStreams eventStreams;
    private final EncodedAudio encoded;
    private final SpeechStreams streams;

    public JobsController(JobService jobs, ObjectStorage storage, IngestProperties props,
                          JobEventStreams eventStreams, EncodedAudio encoded, SpeechStreams streams) {
        this.streams = streams;
        this.jobs = jobs;
        this.storage = storage;
        this.props = props;
        this.eventStreams = eventStreams;
        this.encoded = encoded;
    }

    @Operation(summary = "Submit a job", description = "Answers 202 with the job id once Kafka holds the job. "
            + "A repeat with the same Idempotency-Key answers the first job.")
    @PostMapping(consumes = MediaType.APPLICATION_JSON_VALUE, produces = MediaType.APPLICATION_JSON_VALUE)
    public ResponseEntity<JobView> submit(@RequestBody JobSubmission body,
                                          @Parameter(description = "makes retries safe: a repeat returns the same job")
                                          @RequestHeader(name = "Idempotency-Key", required = false) String key,
                                          HttpServletRequest http) {
        JobService.Submitted submitted = jobs.submit(body, Tenants.of(http), key);
        JobView view = JobView.of(submitted.status());
        ResponseEntity.BodyBuilder answer = ResponseEntity.status(HttpStatus.ACCEPTED)
                .location(URI.create(view.statusUrl()));
        if (submitted.replayed()) {
            answer.header("Idempotent-Replayed", "true");
        }
        return answer.body(view);
    }

    @Operation(summary = "A job's status", description = "State, progress, result metadata or error.")
    @GetMapping(path = "/{id}", produces = MediaType.APPLICATION_JSON_VALUE)
    public JobView get(@PathVariable String id, HttpServletRequest http) {
        return JobView.of(jobs.get(id, Tenants.of(http)));
    }

    @Operation(summary = "List jobs", description = "Newest first; page with ?before=<id of the last job seen>.")
    @GetMapping(produces = MediaType.APPLICATION_JSON_VALUE)
    public Map<String, Object> list(@RequestParam(required = false) String state,
                                    @RequestParam(required = false) String before,
                                    @RequestParam(defaultValue = "50") int limit, HttpServletRequest http) {
        List<JobView> page = jobs.list(Tenants.of(http), state, before, limit).stream().map(JobView::of).toList();
        return Pages.of("jobs", page, limit, JobView::id, "/v1/jobs" + (state == null ? "" : "?state=" + state));
    }

    @Operation(summary = "Cancel a job", description = "A queued job never runs; a running one stops between "
            + "frames. 409 when the job already ended.")
    @DeleteMapping(path = "/{id}", produces = MediaType.APPLICATION_JSON_VALUE)
    public ResponseEntity<JobView> cancel(@PathVariable String id, HttpServletRequest http) {
        JobStatus after = jobs.cancel(id, Tenants.of(http));
        return ResponseEntity.status(after.isTerminal() ? HttpStatus.OK : HttpStatus.ACCEPTED)
                .body(JobView.of(after));
    }

    @Operation(summary = "Download a job's audio", description = "In ?format= (mp3, opus, flac, wav, pcm), else "
            + "the format asked for at submission, else WAV. WAV streams with HTTP Range support, or redirects to a "
            + "presigned URL (INGEST_AUDIO_DELIVERY=redirect); other formats are encoded from the stored WAV as they "
            + "stream (no Range). Any Accept header is answered. 409 while the job is not done.")
    @GetMapping(path = "/{id}/audio")
    public ResponseEntity<StreamingResponseBody> audio(@PathVariable String id,
                                                       @Parameter(description = "mp3, opus, flac, wav or pcm")
                                                       @RequestParam(required = false) String format,
                                                       @RequestHeader(name = HttpHeaders.RANGE, required = false)
                                                       String range, HttpServletRequest http) {
        JobStatus s = jobs.get(id, Tenants.of(http));
        String key = audioKeyOf(s);
        DeliveryFormat delivered = Formats.forDownload(format, s.format());
        if (delivered != DeliveryFormat.WAV) {
            return encoded.streamEncoded(encoded.wavOrGone(key, "job " + id), delivered, id);
        }
        if (props.redirectAudio()) {
            return ResponseEntity.status(HttpStatus.FOUND)
                    .location(URI.create(storage.presignGet(key, props.presignTtl()))).build();
        }
        StoredObject object = storage.stat(key).orElseThrow(() -> new ApiException(HttpStatus.GONE,
                ApiError.of("audio_gone", "the audio of job " + id + " is no longer stored")));
        return AudioDelivery.stream(storage, object, range, id + ".wav");
    }

    @Operation(summary = "Hear a job while it is generated", description = "The job's audio as it is made, with "
            + "chunked transfer: raw 24 kHz 16-bit PCM (?format=pcm) or a WAV whose header leaves the length open "
            + "(?format=wav, the default). A job submitted with \"stream\": true streams within a few frames of its "
            + "start; any other job's audio comes when it is done. The response ends with the job: complete, or cut "
            + "off (an incomplete transfer) if the job fails or is cancelled. 409 for a job that ended without audio.")
    @GetMapping(path = "/{id}/audio/stream")
    public ResponseEntity<StreamingResponseBody> audioStream(@PathVariable String id,
                                                             @Parameter(description = "wav (default) or pcm")
                                                             @RequestParam(required = false) String format,
                                                             HttpServletRequest http) {
        String tenant = Tenants.of(http);
        JobStatus s = jobs.get(id, tenant);
        DeliveryFormat delivered = format == null ? DeliveryFormat.WAV : Formats.forDownload(format, null);
        if (delivered != DeliveryFormat.WAV && delivered != DeliveryFormat.PCM) {
            throw new ApiException(HttpStatus.BAD_REQUEST, ApiError.invalid(List.of(new FieldError("format",
                    "must be wav or pcm to stream; other formats download from /v1/jobs/" + id + "/audio?format="
                    + format))));
        }
        if (s.isTerminal() && s.state() != JobState.SUCCEEDED) {
            audioKeyOf(s); // 409 or 410, with the reason
        }
        return ResponseEntity.ok().contentType(MediaType.parseMediaType(delivered.contentType()))
                .body(streams.jobAudio(s, () -> jobs.get(id, tenant),
                        SpeechStreams.jobStreamLimit(props.syncWaitMargin(), props.syncRealTimeFactor()),
                        delivered == DeliveryFormat.WAV));
    }

    @Operation(summary = "Follow a job", description = "Server-Sent Events: a 'progress' event whenever frames "
            + "advance, then one named after the final state; the stream ends with the job.")
    @GetMapping(path = "/{id}/events", produces = MediaType.TEXT_EVENT_STREAM_VALUE)
    public SseEmitter events(@PathVariable String id, HttpServletRequest http) {
        String tenant = Tenants.of(http);
        jobs.get(id, tenant);
        return eventStreams.follow(() -> JobView.of(jobs.get(id, tenant)));
    }

    /** The storage key of a finished job's audio; 409 while it is not ready, 410 once expired. */
    static String audioKeyOf(JobStatus s) {
        if (s.state() == JobState.EXPIRED) {
            throw new ApiException(HttpStatus.GONE, ApiError.inState("audio_expired",
                    "the audio of job " + s.jobId() + " was deleted by the retention policy", s.state()));
        }
        if (s.state() != JobState.SUCCEEDED || s.result() == null) {
            throw new ApiException(HttpStatus.CONFLICT, ApiError.inState("not_ready",
                    "job " + s.jobId() + " is " + s.state() + "; audio exists once it is SUCCEEDED", s.state()));
        }
        return s.result().objectKey();
    }
}
