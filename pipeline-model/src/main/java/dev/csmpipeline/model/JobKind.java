package dev.csmpipeline.model;

/** How a synthesis job entered the pipeline. */
public enum JobKind {
    /** A synchronous call ({@code /generate}, {@code /v1/audio/speech}) waiting for its reply. */
    SYNC,
    /** An asynchronous job submitted to {@code /v1/jobs}. */
    ASYNC,
    /** One segment of a narration. */
    NARRATION_SEGMENT;

    /** The request topic that carries jobs of this kind. */
    public String requestTopic() {
        return this == SYNC ? Topics.REQUESTS_INTERACTIVE : Topics.REQUESTS;
    }
}
