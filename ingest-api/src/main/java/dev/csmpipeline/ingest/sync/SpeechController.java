package dev.csmpipeline.ingest.sync;

import dev.csmpipeline.ingest.security.Tenants;
import dev.csmpipeline.model.Limits;
import dev.csmpipeline.model.Validation;
import dev.csmpipeline.model.audio.Wav;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.media.Schema;
import io.swagger.v3.oas.annotations.tags.Tag;
import jakarta.servlet.http.HttpServletRequest;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.http.converter.HttpMessageNotReadableException;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RestController;

/**
 * {@code POST /v1/audio/speech}, compatible with OpenAI's speech API, so OpenAI SDK clients work unchanged with
 * {@code base_url} pointed here. Voices map to CSM speaker ids; {@code speed} changes tempo without changing pitch.
 */
@Tag(name = "OpenAI compatible", description = "OpenAI's /v1/audio/speech")
@RestController
public class SpeechController {

    /** OpenAI's voice names, each a CSM speaker id in this order; "0".."31" name speakers directly. */
    static final List<String> VOICES = List.of("alloy", "echo", "fable", "onyx", "nova", "shimmer", "ash",
            "ballad", "coral", "sage", "verse");
    static final List<String> FORMATS = List.of("wav", "pcm");
    private static final List<String> UNSUPPORTED_FORMATS = List.of("mp3", "opus", "aac", "flac");

    private final SyncService sync;

    public SpeechController(SyncService sync) {
        this.sync = sync;
    }

    /** OpenAI's request; {@code instructions} is accepted and ignored (CSM takes no style prompt). */
    @Schema(description = "OpenAI speech request")
    public record SpeechRequest(
            @Schema(example = "csm-1b") String model,
            @Schema(example = "Hello from Maya!") String input,
            @Schema(example = "alloy") String voice,
            @Schema(example = "wav", description = "wav or pcm (24 kHz 16-bit mono little-endian); default wav")
            String responseFormat,
            @Schema(example = "1.0") Double speed,
            String instructions) {
    }

    @Operation(summary = "OpenAI-compatible speech", description = "Returns audio bytes: audio/wav, or audio/pcm "
            + "(raw 24 kHz 16-bit signed little-endian mono, as OpenAI's pcm).")
    @PostMapping(path = "/v1/audio/speech", produces = {"audio/wav", "audio/pcm", MediaType.APPLICATION_JSON_VALUE})
    public ResponseEntity<?> speech(@RequestBody(required = false) SpeechRequest body, HttpServletRequest http) {
        if (body == null) {
            return error(HttpStatus.BAD_REQUEST, "the request body must be JSON with input and voice", null);
        }
        if (body.model() == null || body.model().isBlank()) {
            return error(HttpStatus.BAD_REQUEST, "model is required (any name; csm-1b serves it)", "model");
        }
        Integer speaker = speakerOf(body.voice());
        String voiceId = speaker == null && isVoiceId(body.voice()) ? body.voice().trim() : null;
        if (speaker == null && voiceId == null) {
            return error(HttpStatus.BAD_REQUEST, "voice must be one of " + VOICES + ", a speaker id 0-"
                    + Limits.SPEAKER_ID_MAX + " or the id of a voice from POST /v1/voices, was '" + body.voice() + "'",
                    "voice");
        }
        String format = body.responseFormat() == null ? "wav" : body.responseFormat().toLowerCase(Locale.ROOT);
        if (!FORMATS.contains(format)) {
            String why = UNSUPPORTED_FORMATS.contains(format) ? " (" + format + " is not supported here)" : "";
            return error(HttpStatus.BAD_REQUEST, "response_format must be one of " + FORMATS + why, "response_format");
        }
        double speed = body.speed() == null ? 1.0 : body.speed();
        if (!(speed >= 0.25 && speed <= 4.0)) {
            return error(HttpStatus.BAD_REQUEST, "speed must be between 0.25 and 4.0, was " + body.speed(), "speed");
        }
        try {
            SyncService.Audio audio = sync.synthesize(body.input(), speaker, maxLengthFor(body.input()), false,
                    null, voiceId, Tenants.of(http));
            byte[] wav = speed == 1.0 ? audio.wav() : retime(audio.wav(), speed);
            ResponseEntity.BodyBuilder ok = ResponseEntity.ok().header("X-Job-Id", audio.jobId());
            if (format.equals("pcm")) {
                Wav.Info info = Wav.read(wav);
                byte[] pcm = new byte[(int) info.dataBytes()];
                System.arraycopy(wav, info.dataOffset(), pcm, 0, pcm.length);
                return ok.contentType(MediaType.parseMediaType("audio/pcm")).body(pcm);
            }
            return ok.contentType(MediaType.parseMediaType("audio/wav")).body(wav);
        } catch (SyncException e) {
            String param = "text".equals(e.field()) ? "input" : e.field();
            return error(e.status(), e.getMessage(), param);
        }
    }

    /** A voice name or a speaker id as text; null when neither. */
    static Integer speakerOf(String voice) {
        if (voice == null || voice.isBlank()) {
            return null;
        }
        int named = VOICES.indexOf(voice.toLowerCase(Locale.ROOT));
        if (named >= 0) {
            return named;
        }
        try {
            int id = Integer.parseInt(voice.trim());
            return id >= Limits.SPEAKER_ID_MIN && id <= Limits.SPEAKER_ID_MAX ? id : null;
        } catch (NumberFormatException e) {
            return null;
        }
    }

    /** Not a built-in name or speaker: a stored voice's id (the voice library's ids are job ids). */
    static boolean isVoiceId(String voice) {
        return voice != null && Validation.id("voice", voice.trim()) == null;
    }

    /** OpenAI has no length cap; allow about 90 ms per character plus 3 s, within the pipeline's limit. */
    static int maxLengthFor(String input) {
        int chars = input == null ? 0 : input.length();
        return Math.min(Limits.MAX_AUDIO_LENGTH_MS_MAX, Math.max(5_000, 3_000 + chars * 90));
    }

    private static byte[] retime(byte[] wav, double speed) {
        Wav.Info info = Wav.read(wav);
        ByteBuffer b = ByteBuffer.wrap(wav, info.dataOffset(), (int) info.dataBytes()).order(ByteOrder.LITTLE_ENDIAN);
        float[] pcm = new float[(int) info.samples()];
        for (int i = 0; i < pcm.length; i++) {
            pcm[i] = b.getShort() / 32767f;
        }
        return Wav.encode(TimeStretch.stretch(pcm, info.sampleRate(), speed), info.sampleRate());
    }

    @ExceptionHandler(HttpMessageNotReadableException.class)
    ResponseEntity<Map<String, Object>> unreadable(HttpMessageNotReadableException e) {
        return error(HttpStatus.BAD_REQUEST, "the request body is not valid JSON: "
                + (e.getMostSpecificCause() == null ? e.getMessage() : e.getMostSpecificCause().getMessage()), null);
    }

    /** OpenAI's error shape: {"error": {"message", "type", "param", "code"}}. */
    static ResponseEntity<Map<String, Object>> error(HttpStatus status, String message, String param) {
        Map<String, Object> error = new LinkedHashMap<>();
        error.put("message", message);
        error.put("type", status.is4xxClientError() ? "invalid_request_error" : "server_error");
        error.put("param", param);
        error.put("code", null);
        return ResponseEntity.status(status).contentType(MediaType.APPLICATION_JSON).body(Map.of("error", error));
    }
}
