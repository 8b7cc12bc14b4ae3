package dev.csmpipeline.model;

/** How a synthesis job entered the pipeline. */
public enum JobKind {
    /** A synchronous call ({@code /generate}, {@code /v1/audio/speech}) waiting for its reply. */
    SYNC,
    /** An asynchronous job submitted to {@code /v1/jobs}. */
    ASYNC,
    /** One segment of a narration. */
    NARRATION_SEGMENT,
    /** A voice clip for a worker to encode into Mimi codes: its row in the status table is the voice's state. */
    VOICE,
    /** A whole narration: its row in the status table carries the narration's outcome and final audio. */
    NARRATION;

    /**
     * The request topic that carries jobs of this kind. A voice's encoding goes with the interactive requests: it
     * takes well under a second of a worker, and someone is waiting to use the voice, so it never queues behind a
     * backlog of bulk narration.
     */
    public String requestTopic() {
        if (this == NARRATION) {
            throw new IllegalStateException("a narration is not synthesized itself; its segments are");
        }
        return this == SYNC || this == VOICE ? Topics.REQUESTS_INTERACTIVE : Topics.REQUESTS;
    }
}
