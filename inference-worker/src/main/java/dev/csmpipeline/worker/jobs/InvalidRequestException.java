package dev.csmpipeline.worker.jobs;

import dev.csmpipeline.model.FieldError;
import java.util.List;

/** A request record that decodes but breaks a validation rule: dead-lettered, never retried. */
public class InvalidRequestException extends RuntimeException {

    private final List<FieldError> errors;

    public InvalidRequestException(List<FieldError> errors) {
        super("invalid request: " + errors.stream().map(e -> e.field() + " " + e.reason())
                .reduce((a, b) -> a + "; " + b).orElse(""));
        this.errors = errors;
    }

    public List<FieldError> errors() {
        return errors;
    }
}
