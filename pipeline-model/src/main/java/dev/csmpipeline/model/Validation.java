package dev.csmpipeline.model;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * The validation rules of requests. Each rule returns a {@link FieldError} or null; {@link #validate} returns every
 * violated rule, not the first one. The API applies the same rules to its own field names.
 */
public final class Validation {

    private static final Pattern TENANT = Pattern.compile(Limits.TENANT_PATTERN);
    private static final Pattern ID = Pattern.compile(Limits.ID_PATTERN);
    /** Llama 3's special tokens are written {@code <|name|>}: the tokenizer turns such text into control tokens. */
    private static final Pattern SPECIAL_TOKEN = Pattern.compile("<\\|[A-Za-z0-9_]+\\|>");

    private Validation() {
    }

    /** Every rule {@code request} breaks, with wire field names; empty when valid. */
    public static List<FieldError> validate(SynthesisRequest request) {
        List<FieldError> errors = collect(
                id("job_id", request.jobId()),
                required("kind", request.kind()),
                text("text", request.text(), Limits.TEXT_MAX_CHARS),
                speakerId("speaker_id", request.speakerId()),
                maxAudioLengthMs("max_audio_length_ms", request.maxAudioLengthMs()),
                tenant("tenant", request.tenant()),
                required("requested_at", request.requestedAt()));
        Sampling s = request.sampling();
        if (s != null) {
            errors.addAll(collect(
                    temperature("sampling.temperature", s.temperature()),
                    topK("sampling.top_k", s.topK())));
        }
        NarrationRef n = request.narration();
        if (request.kind() == JobKind.NARRATION) {
            errors.add(new FieldError("kind", "NARRATION names a whole narration, which is never synthesized as one "
                    + "job; its segments are NARRATION_SEGMENT jobs"));
        }
        if (request.kind() == JobKind.NARRATION_SEGMENT && n == null) {
            errors.add(new FieldError("narration", "is required for a NARRATION_SEGMENT job"));
        }
        if (request.kind() == JobKind.VOICE) {
            VoiceClip clip = request.clip();
            errors.addAll(clip == null ? List.of(new FieldError("clip", "is required for a VOICE job"))
                    : collect(required("clip.clip_key", clip.clipKey()), required("clip.codes_key", clip.codesKey())));
        }
        Conditioning c = request.conditioning();
        if (c != null) {
            for (int i = 0; i < c.context().size(); i++) {
                ContextRef ref = c.context().get(i);
                errors.addAll(collect(
                        ContextRef.VOICE.equals(ref.source()) || ContextRef.PREVIOUS_SEGMENT.equals(ref.source())
                                ? null : new FieldError("conditioning.context[" + i + "].source",
                                "must be voice or previous_segment, was " + ref.source()),
                        required("conditioning.context[" + i + "].codes_key", ref.codesKey()),
                        text("conditioning.context[" + i + "].text", ref.text(), Limits.VOICE_TRANSCRIPT_MAX_CHARS),
                        speakerId("conditioning.context[" + i + "].speaker_id", ref.speakerId())));
            }
        }
        if (n != null) {
            errors.addAll(collect(
                    id("narration.narration_id", n.narrationId()),
                    n.segmentCount() < 1 || n.segmentCount() > Limits.NARRATION_MAX_SEGMENTS
                            ? new FieldError("narration.segment_count",
                            "must be between 1 and " + Limits.NARRATION_MAX_SEGMENTS + ", was " + n.segmentCount())
                            : null,
                    n.segmentIndex() < 0 || n.segmentIndex() >= n.segmentCount()
                            ? new FieldError("narration.segment_index",
                            "must be between 0 and segment_count - 1, was " + n.segmentIndex())
                            : null));
        }
        return errors;
    }

    /** Non-null errors of {@code candidates}, in order. */
    public static List<FieldError> collect(FieldError... candidates) {
        List<FieldError> errors = new ArrayList<>();
        Arrays.stream(candidates).filter(Objects::nonNull).forEach(errors::add);
        return errors;
    }

    public static FieldError required(String field, Object value) {
        return value == null ? new FieldError(field, "is required") : null;
    }

    /** Text must be present, not blank, and at most {@code maxChars} characters. */
    public static FieldError text(String field, String value, int maxChars) {
        if (value == null) {
            return new FieldError(field, "is required");
        }
        if (value.isBlank()) {
            return new FieldError(field, "must contain words to speak, was empty or whitespace");
        }
        if (value.length() > maxChars) {
            return new FieldError(field, "must be at most " + maxChars + " characters, was " + value.length()
                    + " (use /v1/narrations for long documents)");
        }
        java.util.regex.Matcher special = SPECIAL_TOKEN.matcher(value);
        if (special.find()) {
            return new FieldError(field, "must not contain the model's control-token markup " + special.group()
                    + " (the tokenizer would read it as a control token, not as words)");
        }
        return null;
    }

    public static FieldError speakerId(String field, Integer value) {
        return range(field, value, Limits.SPEAKER_ID_MIN, Limits.SPEAKER_ID_MAX);
    }

    public static FieldError maxAudioLengthMs(String field, Integer value) {
        return range(field, value, Limits.MAX_AUDIO_LENGTH_MS_MIN, Limits.MAX_AUDIO_LENGTH_MS_MAX);
    }

    /** Optional: null means the default. */
    public static FieldError temperature(String field, Double value) {
        if (value == null) {
            return null;
        }
        if (value.isNaN() || value < Limits.TEMPERATURE_MIN || value > Limits.TEMPERATURE_MAX) {
            return new FieldError(field, "must be between " + Limits.TEMPERATURE_MIN + " and "
                    + Limits.TEMPERATURE_MAX + ", was " + value);
        }
        return null;
    }

    /** Optional: null means the default. */
    public static FieldError topK(String field, Integer value) {
        return value == null ? null : range(field, value, Limits.TOP_K_MIN, Limits.TOP_K_MAX);
    }

    public static FieldError tenant(String field, String value) {
        if (value == null) {
            return new FieldError(field, "is required");
        }
        return TENANT.matcher(value).matches() ? null
                : new FieldError(field, "must match " + Limits.TENANT_PATTERN + ", was '" + abbreviate(value) + "'");
    }

    public static FieldError id(String field, String value) {
        if (value == null) {
            return new FieldError(field, "is required");
        }
        return ID.matcher(value).matches() ? null
                : new FieldError(field, "must match " + Limits.ID_PATTERN + ", was '" + abbreviate(value) + "'");
    }

    /** Required integer in [min, max]. */
    public static FieldError range(String field, Integer value, int min, int max) {
        if (value == null) {
            return new FieldError(field, "is required");
        }
        if (value < min || value > max) {
            return new FieldError(field, "must be between " + min + " and " + max + ", was " + value);
        }
        return null;
    }

    private static String abbreviate(String value) {
        return value.length() <= 40 ? value : value.substring(0, 40) + "...";
    }
}
