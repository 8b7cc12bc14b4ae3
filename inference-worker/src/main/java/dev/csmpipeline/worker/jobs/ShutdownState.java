package dev.csmpipeline.worker.jobs;

/**
 * Whether the worker is leaving: once the shutdown grace period has passed, jobs still running are abandoned between
 * frames, uncommitted, so another worker of the group takes them over.
 */
public class ShutdownState {

    private volatile boolean abandonInFlight;

    public void abandonInFlightJobs() {
        abandonInFlight = true;
    }

    public boolean abandonInFlight() {
        return abandonInFlight;
    }
}
