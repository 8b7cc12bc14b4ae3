package dev.csmpipeline.model;

/** State of a job as folded from its events. */
public enum JobState {
    QUEUED(0), RUNNING(1), SUCCEEDED(2), FAILED(2), CANCELLED(2), EXPIRED(3), DELETED(4);

    /** Progress rank: a job never moves to a lower rank. */
    private final int rank;

    JobState(int rank) {
        this.rank = rank;
    }

    public boolean isTerminal() {
        return rank >= 2;
    }

    int rank() {
        return rank;
    }
}
