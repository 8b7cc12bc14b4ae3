package dev.csmpipeline.storage.client;

/** Object storage failed. {@link #isTransient()} tells a caller whether retrying may help. */
public class StorageException extends RuntimeException {

    private final boolean transientFailure;

    public StorageException(String message, Throwable cause, boolean transientFailure) {
        super(message, cause);
        this.transientFailure = transientFailure;
    }

    /** True for network errors, timeouts and server-side (5xx) errors; false for refusals such as access denied. */
    public boolean isTransient() {
        return transientFailure;
    }
}
