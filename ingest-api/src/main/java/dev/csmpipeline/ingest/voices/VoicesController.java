package dev.csmpipeline.ingest.voices;

import dev.csmpipeline.ingest.status.Pages;
import dev.csmpipeline.ingest.security.Tenants;
import dev.csmpipeline.model.FieldError;
import dev.csmpipeline.model.JobStatus;
import dev.csmpipeline.service.ApiError;
import dev.csmpipeline.service.ApiException;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.tags.Tag;
import jakarta.servlet.http.HttpServletRequest;
import java.io.IOException;
import java.net.URI;
import java.util.List;
import java.util.Map;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.multipart.MultipartFile;

/** The voice library: register a reference clip, watch it become READY, list and delete. */
@Tag(name = "Voices", description = "Reference clips that set the voice of any synthesis request")
@RestController
@RequestMapping("/v1/voices")
public class VoicesController {

    private final VoiceService voices;

    public VoicesController(VoiceService voices) {
        this.voices = voices;
    }

    @Operation(summary = "Register a voice", description = "multipart/form-data: file (a WAV clip, 1-30 s, any "
            + "sample rate, mono or stereo), transcript (what it says), optional name and speaker_id. Answers 202; "
            + "a worker encodes it and the voice becomes READY (or FAILED with a reason).")
    @PostMapping(consumes = MediaType.MULTIPART_FORM_DATA_VALUE, produces = MediaType.APPLICATION_JSON_VALUE)
    public ResponseEntity<VoiceView> register(@RequestParam(name = "file", required = false) MultipartFile file,
                                              @RequestParam(name = "transcript", required = false) String transcript,
                                              @RequestParam(name = "name", required = false) String name,
                                              @RequestParam(name = "speaker_id", required = false) String speakerId,
                                              HttpServletRequest http) {
        JobStatus row = voices.register(bytesOf(file), transcript, name, speakerOf(speakerId), Tenants.of(http));
        VoiceView view = VoiceView.of(row);
        return ResponseEntity.status(HttpStatus.ACCEPTED).location(URI.create(view.statusUrl())).body(view);
    }

    @Operation(summary = "A voice", description = "State (QUEUED, RUNNING, READY, FAILED), clip length and frames.")
    @GetMapping(path = "/{id}", produces = MediaType.APPLICATION_JSON_VALUE)
    public VoiceView get(@PathVariable String id, HttpServletRequest http) {
        return VoiceView.of(voices.get(id, Tenants.of(http)));
    }

    @Operation(summary = "List voices", description = "The tenant's voices, newest first; page with ?before=<id>.")
    @GetMapping(produces = MediaType.APPLICATION_JSON_VALUE)
    public Map<String, Object> list(@RequestParam(required = false) String before,
                                    @RequestParam(defaultValue = "100") int limit, HttpServletRequest http) {
        List<VoiceView> page = voices.list(Tenants.of(http), before, limit).stream().map(VoiceView::of).toList();
        return Pages.of("voices", page, limit, VoiceView::id, "/v1/voices");
    }

    @Operation(summary = "Delete a voice", description = "Removes the voice, its clip and its codes; 204.")
    @DeleteMapping(path = "/{id}")
    public ResponseEntity<Void> delete(@PathVariable String id, HttpServletRequest http) {
        voices.delete(id, Tenants.of(http));
        return ResponseEntity.noContent().build();
    }

    private static byte[] bytesOf(MultipartFile file) {
        if (file == null) {
            return null;
        }
        try {
            return file.getBytes();
        } catch (IOException e) {
            throw new ApiException(HttpStatus.BAD_REQUEST, ApiError.invalid(List.of(
                    new FieldError("file", "could not be read: " + e.getMessage()))));
        }
    }

    /** Form fields are text: speaker_id must be a decimal integer. */
    private static Integer speakerOf(String value) {
        if (value == null || value.isBlank()) {
            return null;
        }
        try {
            return Integer.valueOf(value.trim());
        } catch (NumberFormatException e) {
            throw new ApiException(HttpStatus.UNPROCESSABLE_CONTENT, ApiError.invalid(List.of(
                    new FieldError("speaker_id", "must be an integer from 0 to 31, was '" + value + "'"))));
        }
    }
}
