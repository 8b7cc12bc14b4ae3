package dev.csmpipeline.model;

/** Stable error codes carried by {@link JobError}. */
public final class ErrorCodes {

    /** The request broke a validation rule; retrying the same request fails again. */
    public static final String INVALID_REQUEST = "INVALID_REQUEST";
    /** The engine rejected the input (e.g. prompt longer than the model's context). Not retried. */
    public static final String ENGINE_REJECTED = "ENGINE_REJECTED";
    /** The engine failed unexpectedly. */
    public static final String ENGINE_ERROR = "ENGINE_ERROR";
    /** Object storage kept failing after retries. */
    public static final String STORAGE_UNAVAILABLE = "STORAGE_UNAVAILABLE";
    /** A sync caller had stopped waiting before a worker reached the request. */
    public static final String DEADLINE_EXCEEDED = "DEADLINE_EXCEEDED";
    /** The job was cancelled while a sync caller waited for it. */
    public static final String CANCELLED = "CANCELLED";
    /** A narration segment failed past its retry limit. */
    public static final String SEGMENT_FAILED = "SEGMENT_FAILED";
    /** Narration assembly failed. */
    public static final String ASSEMBLY_FAILED = "ASSEMBLY_FAILED";

    private ErrorCodes() {
    }
}
