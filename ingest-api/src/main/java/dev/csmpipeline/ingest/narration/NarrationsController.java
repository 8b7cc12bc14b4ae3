package dev.csmpipeline.ingest.narration;

import dev.csmpipeline.ingest.status.Pages;
import dev.csmpipeline.audio.DeliveryFormat;
import dev.csmpipeline.ingest.audio.EncodedAudio;
import dev.csmpipeline.ingest.audio.Formats;
import dev.csmpipeline.ingest.jobs.JobEventStreams;
import dev.csmpipeline.ingest.security.Tenants;
import dev.csmpipeline.model.JobState;
import dev.csmpipeline.service.ApiError;
import dev.csmpipeline.service.ApiException;
import dev.csmpipeline.service.AudioDelivery;
import dev.csmpipeline.storage.client.ObjectKeys;
import dev.csmpipeline.storage.client.ObjectStorage;
import dev.csmpipeline.storage.client.StoredObject;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.Parameter;
import io.swagger.v3.oas.annotations.tags.Tag;
import jakarta.servlet.http.HttpServletRequest;
import java.net.URI;
import java.util.List;
import java.util.Map;
import java.util.Set;
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

/** Narrations of long documents: submit, follow, download the assembled WAV and its manifest, cancel. */
@Tag(name = "Narrations", description = "Long documents split into segments, synthesized in parallel across the "
        + "fleet, assembled into one WAV with a manifest of segment times")
@RestController
@RequestMapping("/v1/narrations")
public class NarrationsController {

    private static final Set<String> ENDED = Set.of("SUCCEEDED", "FAILED", "CANCELLED", "EXPIRED");

    private final NarrationService narrations;
    private final ObjectStorage storage;
    private final JobEventStreams streams;
    private final EncodedAudio encoded;

    public NarrationsController(NarrationService narrations, ObjectStorage storage, JobEventStreams streams,
                                EncodedAudio encoded) {
        this.narrations = narrations;
        this.storage = storage;
        this.streams = streams;
        this.encoded = encoded;
    }

    @Operation(summary = "Submit a document", description = "Plain text up to 1 MB, or a list of paragraphs. "
            + "202 with the narration id once every segment job is in Kafka.")
    @PostMapping(consumes = MediaType.APPLICATION_JSON_VALUE, produces = MediaType.APPLICATION_JSON_VALUE)
    public ResponseEntity<NarrationView> submit(@RequestBody NarrationSubmission body, HttpServletRequest http) {
        NarrationView view = narrations.submit(body, Tenants.of(http));
        return ResponseEntity.status(HttpStatus.ACCEPTED).location(URI.create(view.statusUrl())).body(view);
    }

    @Operation(summary = "A narration's state and progress", description = "Segments done and total, audio "
            + "seconds so far, estimated remaining time; the final audio's metadata once SUCCEEDED.")
    @GetMapping(path = "/{id}", produces = MediaType.APPLICATION_JSON_VALUE)
    public NarrationView get(@PathVariable String id, HttpServletRequest http) {
        return narrations.get(id, Tenants.of(http));
    }

    @Operation(summary = "List narrations", description = "Newest first; page with ?before=<id of the last "
            + "narration seen>.")
    @GetMapping(produces = MediaType.APPLICATION_JSON_VALUE)
    public Map<String, Object> list(@RequestParam(required = false) String before,
                                    @RequestParam(defaultValue = "50") int limit, HttpServletRequest http) {
        List<NarrationView> page = narrations.list(Tenants.of(http), before, limit);
        return Pages.of("narrations", page, limit, NarrationView::id, "/v1/narrations");
    }

    @Operation(summary = "Cancel a narration", description = "No further segment runs; running ones stop "
            + "between frames.")
    @DeleteMapping(path = "/{id}", produces = MediaType.APPLICATION_JSON_VALUE)
    public NarrationView cancel(@PathVariable String id, HttpServletRequest http) {
        return narrations.cancel(id, Tenants.of(http));
    }

    @Operation(summary = "The assembled audio", description = "In ?format= (mp3, opus, flac, wav, pcm), else the "
            + "format asked for at submission, else WAV; with HTTP Range support. Another format than WAV is "
            + "encoded on the first download and kept beside the WAV. 409 until done.")
    @GetMapping(path = "/{id}/audio")
    public ResponseEntity<StreamingResponseBody> audio(@PathVariable String id,
                                                       @Parameter(description = "mp3, opus, flac, wav or pcm")
                                                       @RequestParam(required = false) String format,
                                                       @RequestHeader(name = HttpHeaders.RANGE, required = false)
                                                       String range, HttpServletRequest http) {
        String tenant = Tenants.of(http);
        String key = narrations.finishedKey(id, tenant, false);
        DeliveryFormat delivered = Formats.forDownload(format, narrations.row(id, tenant).format());
        if (delivered == DeliveryFormat.WAV) {
            return deliver(key, range, id + ".wav");
        }
        StoredObject wav = storage.stat(key).orElseThrow(() -> new ApiException(HttpStatus.GONE,
                ApiError.inState("audio_gone", "the object " + key + " is no longer stored", JobState.EXPIRED)));
        return encoded.fromCache(wav, delivered, ObjectKeys.narrationFinal(id, delivered.extension()), range, id);
    }

    @Operation(summary = "The manifest", description = "Each segment's text and its start and end time in the "
            + "final audio, in milliseconds; 409 until done.")
    @GetMapping(path = "/{id}/manifest", produces = MediaType.APPLICATION_JSON_VALUE)
    public ResponseEntity<StreamingResponseBody> manifest(@PathVariable String id, HttpServletRequest http) {
        return deliver(narrations.finishedKey(id, Tenants.of(http), true), null, id + "-manifest.json");
    }

    @Operation(summary = "Follow a narration", description = "Server-Sent Events: 'progress' as segments finish, "
            + "then one named after the final state.")
    @GetMapping(path = "/{id}/events", produces = MediaType.TEXT_EVENT_STREAM_VALUE)
    public SseEmitter events(@PathVariable String id, HttpServletRequest http) {
        String tenant = Tenants.of(http);
        narrations.row(id, tenant);
        return streams.followAny(() -> {
            NarrationView v = narrations.get(id, tenant);
            return new JobEventStreams.Followed() {
                public String state() {
                    return v.state();
                }

                public boolean terminal() {
                    return ENDED.contains(v.state());
                }

                public Object view() {
                    return v;
                }
            };
        });
    }

    private ResponseEntity<StreamingResponseBody> deliver(String key, String range, String fileName) {
        StoredObject object = storage.stat(key).orElseThrow(() -> new ApiException(HttpStatus.GONE,
                ApiError.inState("audio_gone", "the object " + key + " is no longer stored", JobState.EXPIRED)));
        return AudioDelivery.stream(storage, object, range, fileName);
    }
}
