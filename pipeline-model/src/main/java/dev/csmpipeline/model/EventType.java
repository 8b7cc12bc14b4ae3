package dev.csmpipeline.model;

/** Lifecycle events of a job, in the order a job normally sees them. */
public enum EventType {
    /** The API wrote the request to Kafka. */
    ACCEPTED,
    /** A client asked to cancel; the job ends CANCELLED once a worker or the API confirms. */
    CANCEL_REQUESTED,
    /** A worker began synthesis (again, after a redelivery). */
    STARTED,
    /** A worker reports frames done (throttled). */
    PROGRESS,
    /** Audio is stored; terminal. */
    SUCCEEDED,
    /** The job failed; terminal. */
    FAILED,
    /** The job was cancelled; terminal. */
    CANCELLED,
    /** The retention sweep deleted the audio of a SUCCEEDED job. */
    EXPIRED,
    /** Its owner deleted it (a voice) with its stored objects, whatever its state: final. */
    DELETED;

    public boolean isTerminal() {
        return this == SUCCEEDED || this == FAILED || this == CANCELLED;
    }
}
