package dev.csmpipeline.model;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * A narration's progress, folded from its segments' events by {@link #apply}: which segments are done, how much
 * audio exists, and whether this event finished it. One byte of state per segment makes the fold idempotent: a
 * duplicated event changes nothing.
 *
 * @param narrationId     the narration
 * @param tenant          owner (from the segments' ACCEPTED events)
 * @param gapOnFailure    whether failed segments become gaps instead of failing the narration
 * @param segmentCount    number of segments
 * @param segmentStates   one {@link SegmentState} ordinal per segment
 * @param succeeded       segments with audio
 * @param failed          segments failed for good
 * @param cancelled       segments cancelled
 * @param audioMsDone     audio of the succeeded segments
 * @param firstStartedAt  when the first segment started
 * @param updatedAt       newest event applied
 * @param failedSegment   index of the first segment that failed, or null
 * @param failure         its error
 * @param transition      what the last event did to the narration: {@code NONE}, {@code COMPLETED} (every segment
 *                        finished and the narration can be assembled) or {@code FAILED} (a segment failed for good)
 */
public record NarrationProgress(String narrationId, String tenant, boolean gapOnFailure, int segmentCount,
                                byte[] segmentStates, int succeeded, int failed, int cancelled, long audioMsDone,
                                Instant firstStartedAt, Instant updatedAt, Integer failedSegment, JobError failure,
                                Transition transition) {

    public enum SegmentState { QUEUED, RUNNING, SUCCEEDED, FAILED, CANCELLED }

    public enum Transition { NONE, COMPLETED, FAILED }

    public int running() {
        int n = 0;
        for (byte b : segmentStates) {
            n += b == SegmentState.RUNNING.ordinal() ? 1 : 0;
        }
        return n;
    }

    public int finished() {
        return succeeded + failed + cancelled;
    }

    public boolean allFinished() {
        return segmentCount > 0 && finished() == segmentCount;
    }

    /** Indexes of the failed segments, in order. */
    public List<Integer> failedSegments() {
        List<Integer> out = new ArrayList<>();
        for (int i = 0; i < segmentStates.length; i++) {
            if (segmentStates[i] == SegmentState.FAILED.ordinal()) {
                out.add(i);
            }
        }
        return out;
    }

    /** The progress after {@code event} of one of its segments; {@code current} may be null or empty. */
    public static NarrationProgress apply(NarrationProgress current, JobEvent event) {
        NarrationRef ref = event.narration();
        if (ref == null) {
            return current;
        }
        boolean fresh = current == null || current.narrationId() == null;
        int count = fresh ? ref.segmentCount() : current.segmentCount();
        byte[] states = fresh ? new byte[count] : current.segmentStates().clone();
        String tenant = fresh ? null : current.tenant();
        boolean gap = fresh ? ref.gaps() : current.gapOnFailure();
        int succeeded = fresh ? 0 : current.succeeded();
        int failed = fresh ? 0 : current.failed();
        int cancelled = fresh ? 0 : current.cancelled();
        long audioMs = fresh ? 0 : current.audioMsDone();
        Instant firstStarted = fresh ? null : current.firstStartedAt();
        Instant updated = fresh ? event.at() : latest(current.updatedAt(), event.at());
        Integer failedSegment = fresh ? null : current.failedSegment();
        JobError failure = fresh ? null : current.failure();
        boolean wasFinished = !fresh && current.allFinished();
        boolean wasFailed = failedSegment != null;

        int i = ref.segmentIndex();
        if (i < 0 || i >= count) {
            return fresh ? null : current;
        }
        SegmentState state = SegmentState.values()[states[i]];
        boolean terminal = state == SegmentState.SUCCEEDED || state == SegmentState.FAILED
                || state == SegmentState.CANCELLED;
        switch (event.type()) {
            case ACCEPTED -> {
                if (event.info() != null && tenant == null) {
                    tenant = event.info().tenant();
                }
            }
            case STARTED -> {
                if (!terminal) {
                    states[i] = (byte) SegmentState.RUNNING.ordinal();
                    firstStarted = firstStarted == null || event.at().isBefore(firstStarted) ? event.at()
                            : firstStarted;
                }
            }
            case SUCCEEDED -> {
                if (!terminal) {
                    states[i] = (byte) SegmentState.SUCCEEDED.ordinal();
                    succeeded++;
                    audioMs += event.result() == null ? 0 : event.result().durationMs();
                }
            }
            case FAILED -> {
                if (!terminal) {
                    states[i] = (byte) SegmentState.FAILED.ordinal();
                    failed++;
                    if (failedSegment == null) {
                        failedSegment = i;
                        failure = event.error();
                    }
                }
            }
            case CANCELLED -> {
                if (!terminal) {
                    states[i] = (byte) SegmentState.CANCELLED.ordinal();
                    cancelled++;
                }
            }
            default -> {
                // PROGRESS, CANCEL_REQUESTED and EXPIRED do not change which segments are done
            }
        }
        NarrationProgress next = new NarrationProgress(ref.narrationId(), tenant, gap, count, states, succeeded,
                failed, cancelled, audioMs, firstStarted, updated, failedSegment, failure, Transition.NONE);
        Transition t = Transition.NONE;
        if (!gap && !wasFailed && failedSegment != null) {
            t = Transition.FAILED; // the first failure fails the narration; the rest is cancelled
        } else if (!wasFinished && next.allFinished() && cancelled == 0) {
            if (succeeded == 0) {
                t = gap ? Transition.FAILED : Transition.NONE; // without gaps the first failure already failed it
            } else if (gap || failed == 0) {
                t = Transition.COMPLETED;
            }
        }
        return t == Transition.NONE ? next : next.withTransition(t);
    }

    private NarrationProgress withTransition(Transition t) {
        return new NarrationProgress(narrationId, tenant, gapOnFailure, segmentCount, segmentStates, succeeded,
                failed, cancelled, audioMsDone, firstStartedAt, updatedAt, failedSegment, failure, t);
    }

    private static Instant latest(Instant a, Instant b) {
        return a == null ? b : b == null || a.isAfter(b) ? a : b;
    }
}
