package dev.csmpipeline.ingest.narration;

import dev.csmpipeline.model.JobState;
import dev.csmpipeline.model.JobStatus;
import dev.csmpipeline.model.NarrationProgress;
import java.time.Duration;
import java.time.Instant;

/**
 * A narration as clients see it: its outcome (from its row in the status table) and its progress (folded from its
 * segments' events).
 *
 * @param id                         the narration id
 * @param state                      QUEUED, RUNNING, ASSEMBLING, SUCCEEDED, FAILED, CANCELLED or EXPIRED
 * @param createdAt                  when it was accepted
 * @param startedAt                  when its first segment started
 * @param finishedAt                 when it ended
 * @param segments                   counts by state
 * @param audioSecondsDone           audio synthesized so far
 * @param estimatedRemainingSeconds  time left at the pace so far; null until a segment is done
 * @param notice                     a warning for people (e.g. the random test model)
 * @param result                     the final audio, once SUCCEEDED
 * @param error                      why it failed, naming the segment
 * @param statusUrl                  this resource
 * @param audioUrl                   the final WAV
 * @param manifestUrl                segment texts and times
 * @param eventsUrl                  Server-Sent Events with progress
 */
public record NarrationView(String id, String state, Instant createdAt, Instant startedAt, Instant finishedAt,
                            Segments segments, double audioSecondsDone, Long estimatedRemainingSeconds,
                            String notice, Result result, ErrorView error, String statusUrl, String audioUrl,
                            String manifestUrl, String eventsUrl) {

    /** Segment counts. */
    public record Segments(int total, int done, int running, int failed, int cancelled) {
    }

    /** The assembled audio. */
    public record Result(long durationMs, int sampleRate, long bytes, String sha256) {
    }

    /** Why the narration failed. */
    public record ErrorView(String code, String message, Integer segment) {
    }

    public static NarrationView of(String id, JobStatus row, NarrationProgress progress, int segmentCount,
                                   Instant now) {
        String base = "/v1/narrations/" + id;
        int total = progress != null ? progress.segmentCount() : segmentCount;
        Segments segments = progress == null ? new Segments(total, 0, 0, 0, 0)
                : new Segments(total, progress.succeeded(), progress.running(), progress.failed(),
                progress.cancelled());
        String state = stateOf(row, progress);
        Long remaining = null;
        if (progress != null && progress.firstStartedAt() != null && progress.succeeded() > 0
                && !row.isTerminal()) {
            double perSegment = Duration.between(progress.firstStartedAt(), now).toMillis()
                    / (double) progress.finished();
            remaining = Math.round(perSegment * (total - progress.finished()) / 1000.0);
        }
        Result result = row.result() == null ? null : new Result(row.result().durationMs(),
                row.result().sampleRate(), row.result().byteSize(), row.result().sha256());
        ErrorView error = row.error() == null ? null : new ErrorView(row.error().code(), row.error().message(),
                progress == null ? null : progress.failedSegment());
        return new NarrationView(id, state, row.acceptedAt(), progress == null ? null : progress.firstStartedAt(),
                row.finishedAt(), segments, progress == null ? 0 : progress.audioMsDone() / 1000.0, remaining,
                row.notice(), result, error, base,
                base + "/audio" + dev.csmpipeline.ingest.audio.Formats.query(row.format()), base + "/manifest",
                base + "/events");
    }

    /** The row's terminal state wins; before that, progress tells queued, running or assembling. */
    static String stateOf(JobStatus row, NarrationProgress progress) {
        if (row.isTerminal()) {
            return row.state().name();
        }
        if (progress == null || (progress.running() == 0 && progress.finished() == 0)) {
            return JobState.QUEUED.name();
        }
        return progress.allFinished() ? "ASSEMBLING" : JobState.RUNNING.name();
    }
}
