package dev.csmpipeline.ingest.sync;

import org.springframework.http.HttpStatus;

/**
 * A sync call that produced no audio, with what each compatibility endpoint needs to answer in its own JSON.
 *
 * @see SyncService
 */
public class SyncException extends RuntimeException {

    private final HttpStatus status;
    private final String code;
    private final String field;

    public SyncException(HttpStatus status, String code, String message, String field) {
        super(message);
        this.status = status;
        this.code = code;
        this.field = field;
    }

    public HttpStatus status() {
        return status;
    }

    /** Stable code, e.g. {@code validation_failed}, {@code timeout}, {@code kafka_unavailable}. */
    public String code() {
        return code;
    }

    /** The offending request field, when the error is about one; else null. */
    public String field() {
        return field;
    }
}
