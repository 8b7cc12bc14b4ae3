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
    private final String jobId;

    public SyncException(HttpStatus status, String code, String message, String field) {
        this(status, code, message, field, null);
    }

    public SyncException(HttpStatus status, String code, String message, String field, String jobId) {
        super(message);
        this.status = status;
        this.code = code;
        this.field = field;
        this.jobId = jobId;
    }

    /** The job the call ran as, when it got that far (it may still finish; its status tells). */
    public String jobId() {
        return jobId;
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
