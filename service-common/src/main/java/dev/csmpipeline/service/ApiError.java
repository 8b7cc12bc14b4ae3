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
