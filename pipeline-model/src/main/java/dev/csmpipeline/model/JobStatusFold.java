package dev.csmpipeline.model;

import java.time.Instant;

/**
 * Folds lifecycle events into a {@link JobStatus}. Pure, and tolerant of the disorder Kafka allows: events from
 * different producers race (a worker's STARTED can land before the API's ACCEPTED) and redelivery duplicates them.
 * <ul>
 *   <li>A job never moves back: QUEUED &lt; RUNNING &lt; terminal; a late STARTED after SUCCEEDED changes nothing.</li>
 *   <li>The first terminal event wins; later terminal events are ignored.</li>
 *   <li>EXPIRED applies only to a SUCCEEDED job; DELETED (a voice its owner removed) to any, and is final.</li>
 *   <li>A STARTED newer than the current attempt begins a new attempt (redelivery to another worker):
 *       progress restarts from zero, and progress older than the attempt is ignored.</li>
 * </ul>
 */
public final class JobStatusFold {

    private JobStatusFold() {
    }

    /** The status after {@code event}; {@code current} may be null for the first event of a job. */
    public static JobStatus apply(JobStatus current, JobEvent event) {
        // Kafka Streams' initializer cannot know the key, so it hands an empty status without a job id.
        boolean fresh = current == null || current.jobId() == null;
        JobStatus.Builder b = (fresh ? JobStatus.unknown(event.jobId()) : current).toBuilder();
        b.updatedAt = latest(b.updatedAt, event.at());
        if (b.narration == null) {
            b.narration = event.narration();
        }
        switch (event.type()) {
            case ACCEPTED -> applyAccepted(b, event);
            case CANCEL_REQUESTED -> b.cancelRequested = !b.state.isTerminal();
            case STARTED -> applyStarted(b, event);
            case PROGRESS -> applyProgress(b, event);
            case SUCCEEDED, FAILED, CANCELLED -> applyTerminal(b, event);
            case EXPIRED -> {
                if (b.state == JobState.SUCCEEDED) {
                    b.state = JobState.EXPIRED;
                }
            }
            case DELETED -> {
                if (b.state != JobState.DELETED) {
                    b.state = JobState.DELETED;
                    b.finishedAt = b.finishedAt == null ? event.at() : b.finishedAt;
                    b.cancelRequested = false;
                }
            }
        }
        return b.build();
    }

    private static void applyAccepted(JobStatus.Builder b, JobEvent e) {
        if (b.acceptedAt == null) {
            b.acceptedAt = e.at();
        }
        if (b.framesMax == null) {
            b.framesMax = e.framesMax();
        }
        JobInfo info = e.info();
        if (info != null) {
            b.kind = b.kind == null ? info.kind() : b.kind;
            b.tenant = b.tenant == null ? info.tenant() : b.tenant;
            b.speakerId = b.speakerId == null ? info.speakerId() : b.speakerId;
            b.voiceId = b.voiceId == null ? info.voiceId() : b.voiceId;
            b.clip = b.clip == null ? info.clip() : b.clip;
            b.format = b.format == null ? info.format() : b.format;
        }
    }

    private static void applyStarted(JobStatus.Builder b, JobEvent e) {
        if (b.state.isTerminal()) {
            return;
        }
        b.state = JobState.RUNNING;
        if (b.startedAt == null || e.at().isAfter(b.startedAt)) {
            b.startedAt = e.at();
            b.attempts++;
            b.framesDone = 0;
        }
        b.workerId = e.workerId();
        b.model = e.model() != null ? e.model() : b.model;
        b.device = e.device() != null ? e.device() : b.device;
        if (b.framesMax == null) {
            b.framesMax = e.framesMax();
        }
    }

    private static void applyProgress(JobStatus.Builder b, JobEvent e) {
        if (b.state.isTerminal() || e.framesDone() == null) {
            return;
        }
        if (b.startedAt != null && e.at().isBefore(b.startedAt)) {
            return; // progress of an attempt that was superseded
        }
        b.state = JobState.RUNNING;
        b.framesDone = Math.max(b.framesDone, e.framesDone());
    }

    private static void applyTerminal(JobStatus.Builder b, JobEvent e) {
        if (b.state.isTerminal()) {
            return;
        }
        b.state = switch (e.type()) {
            case SUCCEEDED -> JobState.SUCCEEDED;
            case FAILED -> JobState.FAILED;
            default -> JobState.CANCELLED;
        };
        b.finishedAt = e.at();
        b.cancelRequested = false;
        b.result = e.result();
        b.error = e.error();
        b.context = e.context();
        if (e.workerId() != null) {
            b.workerId = e.workerId();
        }
        if (e.model() != null) {
            b.model = e.model();
        }
        if (e.framesDone() != null) {
            b.framesDone = e.framesDone();
        }
    }

    private static Instant latest(Instant a, Instant b) {
        if (a == null) {
            return b;
        }
        return b == null || a.isAfter(b) ? a : b;
    }
}
