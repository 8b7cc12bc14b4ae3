package dev.csmpipeline.ingest.sync;

import dev.csmpipeline.audio.AudioEncoders;
import dev.csmpipeline.audio.DeliveryFormat;
import dev.csmpipeline.ingest.security.Tenants;
import dev.csmpipeline.ingest.streaming.SpeechStreams;
import dev.csmpipeline.model.FieldError;
import dev.csmpipeline.model.Limits;
import dev.csmpipeline.model.Validation;
import dev.csmpipeline.model.audio.Wav;
import dev.csmpipeline.service.ApiError;
import dev.csmpipeline.service.PayloadTooLargeException;
import dev.csmpipeline.service.StrictJson;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.media.Content;
import io.swagger.v3.oas.annotations.responses.ApiResponse;
import io.swagger.v3.oas.annotations.media.Schema;
import io.swagger.v3.oas.annotations.tags.Tag;
import jakarta.servlet.http.HttpServletRequest;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import org.springframework.http.HttpHeaders;
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
 * {@code POST /v1/audio/speech}, compatible with OpenAI's speech API, so OpenAI SDK clients work unchanged with
 * {@code base_url} pointed here. Voices map to CSM speaker ids; {@code speed} changes tempo without changing pitch.
 * The worker returns WAV; this controller encodes it into the response format the caller asked for.
 */
@Tag(name = "OpenAI compatible", description = "OpenAI's /v1/audio/speech")
@RestController
public class SpeechController {

    private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(SpeechController.class);

    /** OpenAI's voice names, each a CSM speaker id in this order; "0".."31" name speakers directly. */
    static final List<String> VOICES = List.of("alloy", "echo", "fable", "onyx", "nova", "shimmer", "ash",
            "ballad", "coral", "sage", "verse");
    /** Response header naming request fields that were accepted but cannot be honoured. */
    static final String IGNORED_FIELDS_HEADER = "X-Ignored-Fields";

    private final SyncService sync;
    private final SpeechStreams streams;

    public SpeechController(SyncService sync, SpeechStreams streams) {
        this.sync = sync;
        this.streams = streams;
    }

    /**
     * OpenAI's request. {@code instructions} is accepted and ignored (CSM takes no style prompt); the response says
     * so in {@value #IGNORED_FIELDS_HEADER}.
     */
    @Schema(description = "OpenAI speech request")
    public record SpeechRequest(
            @Schema(example = "csm-1b") String model,
            @Schema(example = "Hello from Maya!") String input,
            @Schema(example = "alloy") String voice,
            @Schema(example = "mp3", description = "mp3 (default), opus (Ogg Opus), flac, wav, or pcm (raw 24 kHz "
                    + "16-bit mono little-endian); aac is refused (no pure-Java encoder)")
            String responseFormat,
            @Schema(example = "1.0", description = "0.25 to 4.0; tempo changes, pitch does not") Double speed,
            @Schema(description = "accepted and ignored: CSM-1B takes no style prompt") String instructions,
            @Schema(example = "audio", description = "audio (default): pcm and wav stream as they are generated "
                    + "(chunked transfer; a wav's header then says its length is unknown), other formats come whole; "
                    + "sse: speech.audio.delta events with base64 audio, then speech.audio.done (pcm or wav)")
            String streamFormat) {
    }

    @Operation(summary = "OpenAI-compatible speech", description = "Returns the audio bytes in response_format "
            + "(default mp3) with its Content-Type, whatever the Accept header (OpenAI's SDKs send "
            + "application/octet-stream). Errors use OpenAI's shape {\"error\": {message, type, param, code}}.")
    @ApiResponse(responseCode = "200", description = "the audio", content = {
            @Content(mediaType = "audio/mpeg"), @Content(mediaType = "audio/ogg"), @Content(mediaType = "audio/flac"),
            @Content(mediaType = "audio/wav"), @Content(mediaType = "audio/pcm")})
    @PostMapping(path = "/v1/audio/speech")
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
                    + Limits.SPEAKER_ID_MAX + " or the id of a voice from POST /v1/voices, was "
                    + ApiError.echo(body.voice()), "voice");
        }
        DeliveryFormat format;
        try {
            format = body.responseFormat() == null ? DeliveryFormat.MP3 : DeliveryFormat.parse(body.responseFormat());
        } catch (DeliveryFormat.UnsupportedFormatException e) {
            return error(HttpStatus.BAD_REQUEST, "response_format " + e.getMessage(), "response_format");
        }
        double speed = body.speed() == null ? 1.0 : body.speed();
        if (!(speed >= 0.25 && speed <= 4.0)) {
            return error(HttpStatus.BAD_REQUEST, "speed must be between 0.25 and 4.0, was " + body.speed(), "speed");
        }
        String streamFormat = body.streamFormat() == null ? "audio" : body.streamFormat();
        if (!streamFormat.equals("audio") && !streamFormat.equals("sse")) {
            return error(HttpStatus.BAD_REQUEST, "stream_format must be audio (the default) or sse, was "
                    + ApiError.echo(body.streamFormat()), "stream_format");
        }
        boolean streamable = (format == DeliveryFormat.PCM || format == DeliveryFormat.WAV) && speed == 1.0;
        if (streamFormat.equals("sse") && !streamable) {
            return error(HttpStatus.BAD_REQUEST, "stream_format sse sends raw audio deltas: it needs response_format "
                    + "pcm or wav and speed 1.0 (other formats and speeds: stream_format audio)",
                    format == DeliveryFormat.PCM || format == DeliveryFormat.WAV ? "speed" : "response_format");
        }
        try {
            if (streamable) {
                return stream(body, speaker, voiceId, format, streamFormat.equals("sse"), http);
            }
            SyncService.Audio audio = sync.synthesize(body.input(), speaker, maxLengthFor(body.input()), false,
                    null, voiceId, Tenants.of(http));
            byte[] wav = speed == 1.0 ? audio.wav() : retime(audio.wav(), speed);
            ResponseEntity.BodyBuilder ok = ResponseEntity.ok().header("X-Job-Id", audio.jobId())
                    .header(HttpHeaders.CONTENT_DISPOSITION, "inline; filename=\"speech" + format.extension() + "\"");
            if (body.instructions() != null) {
                ok.header(IGNORED_FIELDS_HEADER, "instructions");
            }
            long started = System.nanoTime();
            byte[] encoded = AudioEncoders.encode(wav, format);
            log.info("event=speech_encoded job={} format={} wav_bytes={} bytes={} encode_ms={}", audio.jobId(),
                    format.wireName(), wav.length, encoded.length, (System.nanoTime() - started) / 1_000_000);
            return ok.contentType(MediaType.parseMediaType(format.contentType())).body(encoded);
        } catch (SyncException e) {
            String param = "text".equals(e.field()) ? "input" : e.field();
            String message = e.getMessage().startsWith("text ") ? "input " + e.getMessage().substring(5)
                    : e.getMessage();
            return error(e.status(), message, param);
        }
    }

    /**
     * The audio as it is generated: chunked PCM or WAV, or SSE events. Errors found before the first byte (bad input,
     * Kafka unavailable) are answered as for a whole response; a failure later cuts the audio stream off (the client
     * sees an incomplete transfer) or ends the SSE stream with an error event.
     */
    private ResponseEntity<?> stream(SpeechRequest body, Integer speaker, String voiceId, DeliveryFormat format,
                                     boolean sse, HttpServletRequest http) {
        SyncService.Prepared call = sync.prepare(body.input(), speaker, maxLengthFor(body.input()), false, null,
                voiceId, Tenants.of(http), true);
        ResponseEntity.BodyBuilder ok = ResponseEntity.ok().header("X-Job-Id", call.request().jobId());
        if (body.instructions() != null) {
            ok.header(IGNORED_FIELDS_HEADER, "instructions");
        }
        if (sse) {
            return ok.contentType(MediaType.TEXT_EVENT_STREAM)
                    .body(streams.sse(call, format == DeliveryFormat.WAV, body.input().length()));
        }
        MediaType type = MediaType.parseMediaType(format.contentType());
        return ok.header(HttpHeaders.CONTENT_DISPOSITION, "inline; filename=\"speech" + format.extension() + "\"")
                .contentType(type).body(streams.audio(call, format == DeliveryFormat.WAV, type));
    }

    /** Not a built-in name or speaker: a stored voice's id (the voice library's ids are job ids). */
    static boolean isVoiceId(String voice) {
        return voice != null && Validation.id("voice", voice.trim()) == null;
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
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof PayloadTooLargeException p) {
                return error(HttpStatus.CONTENT_TOO_LARGE, p.getMessage(), null);
            }
        }
        Optional<FieldError> field = StrictJson.describe(e);
        if (field.isPresent()) {
            String param = field.get().field().equals("text") ? "input" : field.get().field();
            return error(HttpStatus.BAD_REQUEST, param + " " + field.get().reason(),
                    field.get().field().equals("body") ? null : param);
        }
        String syntax = StrictJson.syntaxError(e);
        return error(HttpStatus.BAD_REQUEST, (syntax != null ? syntax : "the request body is empty or not JSON")
                + "; send a JSON object with model, input and voice", null);
    }

    @ExceptionHandler(HttpMediaTypeNotSupportedException.class)
    ResponseEntity<Map<String, Object>> mediaType(HttpMediaTypeNotSupportedException e) {
        return error(HttpStatus.UNSUPPORTED_MEDIA_TYPE, "send Content-Type: application/json", null);
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
