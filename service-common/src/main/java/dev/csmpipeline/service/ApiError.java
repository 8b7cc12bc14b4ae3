package dev.csmpipeline.service;

import dev.csmpipeline.model.FieldError;
import java.util.List;

/**
 * The JSON body of every error answer: a stable code, a sentence for people, and each offending field.
 *
 * @param error   stable code, e.g. {@code validation_failed}, {@code not_found}, {@code kafka_unavailable}
 * @param message what was wrong and what to do
 * @param fields  every violated field rule (empty when the error is not about fields)
 * @param state   the resource's current state, when the error is about its state (e.g. audio not ready yet)
 */
public record ApiError(String error, String message, List<FieldError> fields, String state) {

    public ApiError(String error, String message, List<FieldError> fields) {
        this(error, message, fields, null);
    }

    /** Longest client-sent value repeated in an error message; longer ones are cut and their length named. */
    public static final int ECHO_MAX_CHARS = 64;

    /**
     * A value the client sent, quoted for an error message: at most {@link #ECHO_MAX_CHARS} characters, control
     * characters replaced, so a 5,000-character id is not echoed back whole.
     */
    public static String echo(Object value) {
        if (value == null) {
            return "null";
        }
        String s = String.valueOf(value).replaceAll("\\p{Cntrl}", "?");
        if (s.length() <= ECHO_MAX_CHARS) {
            return "'" + s + "'";
        }
        return "'" + s.substring(0, ECHO_MAX_CHARS) + "...' (" + s.length() + " characters)";
    }

    public static ApiError of(String error, String message) {
        return new ApiError(error, message, List.of());
    }

    public static ApiError invalid(List<FieldError> fields) {
        String summary = fields.stream().map(f -> f.field() + " " + f.reason())
                .reduce((a, b) -> a + "; " + b).orElse("invalid request");
        return new ApiError("validation_failed", summary, fields);
    }

    /** An error about the state a resource is in, naming it. */
    public static ApiError inState(String error, String message, Object state) {
        return new ApiError(error, message, List.of(), String.valueOf(state));
    }
}
