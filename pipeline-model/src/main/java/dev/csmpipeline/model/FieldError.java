package dev.csmpipeline.model;

/**
 * One violated rule of a request.
 *
 * @param field  the field as named on the wire, e.g. {@code speaker_id}
 * @param reason what is wrong and what is allowed
 */
public record FieldError(String field, String reason) {
}
