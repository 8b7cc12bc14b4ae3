package dev.csmpipeline.ingest.sync;

import dev.csmpipeline.ingest.security.Tenants;
import dev.csmpipeline.model.FieldError;
import dev.csmpipeline.model.Sampling;
import dev.csmpipeline.service.ApiError;
import dev.csmpipeline.service.PayloadTooLargeException;
import dev.csmpipeline.service.StrictJson;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.media.Schema;
import io.swagger.v3.oas.annotations.tags.Tag;
import jakarta.servlet.http.HttpServletRequest;
import java.util.Base64;
import java.util.Optional;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.http.converter.HttpMessageNotReadableException;
import org.springframework.web.HttpMediaTypeNotSupportedException;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RestController;

/**
 * {@code POST /generate} exactly as the self-hosted CSM server answers it, so a backend switches by changing one
 * URL. Behind it, the call is request-reply over Kafka to the worker fleet.
 */
@Tag(name = "Compatibility", description = "The self-hosted CSM server's API")
@RestController
public class GenerateController {

    private final SyncService sync;

    public GenerateController(SyncService sync) {
        this.sync = sync;
    }

    /** The self-hosted server's request. */
    @Schema(description = "Text to synthesize now")
    public record GenerateRequest(
            @Schema(example = "Hello from Maya!") String text,
            @Schema(example = "0") Integer speakerId,
            @Schema(example = "10000") Integer maxAudioLengthMs,
            @Schema(example = "base64", description = "base64 (JSON answer, the default) or wav (raw audio/wav)")
            String format,
            Double temperature,
            Integer topK,
            Long seed,
            @Schema(description = "optional: id of a READY voice from POST /v1/voices (an addition to the "
                    + "self-hosted server's fields)") String voice) {
    }

    /** The self-hosted server's answer; {@code success: false} carries {@code error} only. */
    public record GenerateResponse(boolean success, String audioData, Integer sampleRate, Long durationMs,
                                   String error) {

        static GenerateResponse failure(String error) {
            return new GenerateResponse(false, null, null, null, error);
        }
    }

    @Operation(summary = "Synthesize now", description = "Answers {success, audio_data (base64 WAV), sample_rate, "
            + "duration_ms}; the job id is in the X-Job-Id header and the job keeps a status and audio URL.")
    @PostMapping(path = "/generate", produces = {MediaType.APPLICATION_JSON_VALUE, "audio/wav"})
    public ResponseEntity<?> generate(@RequestBody(required = false) GenerateRequest body,
                                      HttpServletRequest http) {
        if (body == null) {
            return fail(HttpStatus.BAD_REQUEST, "the request body must be JSON with at least \"text\"");
        }
        String format = body.format() == null ? "base64" : body.format();
        if (!format.equals("base64") && !format.equals("wav")) {
            return fail(HttpStatus.BAD_REQUEST, "format must be base64 or wav, was " + ApiError.echo(format));
        }
        try {
            SyncService.Audio audio = sync.synthesize(body.text(), body.speakerId(), body.maxAudioLengthMs(),
                    body.maxAudioLengthMs() != null, new Sampling(body.temperature(), body.topK(), body.seed()),
                    body.voice(), Tenants.of(http));
            ResponseEntity.BodyBuilder ok = ResponseEntity.ok().header("X-Job-Id", audio.jobId());
            if (audio.synthesisMs() != null) {
                ok.header("X-Synthesis-Ms", audio.synthesisMs().toString());
            }
            if (format.equals("wav")) {
                return ok.contentType(MediaType.parseMediaType("audio/wav")).body(audio.wav());
            }
            return ok.contentType(MediaType.APPLICATION_JSON).body(new GenerateResponse(true,
                    Base64.getEncoder().encodeToString(audio.wav()), audio.sampleRate(), audio.durationMs(), null));
        } catch (SyncException e) {
            ResponseEntity<GenerateResponse> failed = fail(e.status(), e.getMessage());
            return e.jobId() == null ? failed
                    : ResponseEntity.status(failed.getStatusCode()).header("X-Job-Id", e.jobId())
                    .contentType(MediaType.APPLICATION_JSON).body(failed.getBody());
        }
    }

    @ExceptionHandler(HttpMessageNotReadableException.class)
    ResponseEntity<GenerateResponse> unreadable(HttpMessageNotReadableException e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof PayloadTooLargeException p) {
                return fail(HttpStatus.CONTENT_TOO_LARGE, p.getMessage());
            }
        }
        Optional<FieldError> field = StrictJson.describe(e);
        if (field.isPresent()) {
            return fail(HttpStatus.BAD_REQUEST, field.get().field() + " " + field.get().reason());
        }
        String syntax = StrictJson.syntaxError(e);
        return fail(HttpStatus.BAD_REQUEST, (syntax != null ? syntax : "the request body is empty or not JSON")
                + "; send a JSON object with at least \"text\"");
    }

    @ExceptionHandler(HttpMediaTypeNotSupportedException.class)
    ResponseEntity<GenerateResponse> mediaType(HttpMediaTypeNotSupportedException e) {
        return fail(HttpStatus.UNSUPPORTED_MEDIA_TYPE, "send Content-Type: application/json");
    }

    private static ResponseEntity<GenerateResponse> fail(HttpStatus status, String error) {
        return ResponseEntity.status(status).contentType(MediaType.APPLICATION_JSON)
                .body(GenerateResponse.failure(error));
    }
}
