package dev.csmpipeline.ingest.jobs;

import dev.csmpipeline.model.AudioResult;
import dev.csmpipeline.model.ContextReport;
import dev.csmpipeline.model.JobKind;
import dev.csmpipeline.model.JobState;
import dev.csmpipeline.model.JobStatus;
import java.time.Instant;

/**
 * A job as clients see it ({@code GET /v1/jobs/{id}}).
 *
 * @param id              the job id
 * @param state           QUEUED, RUNNING, SUCCEEDED, FAILED, CANCELLED or EXPIRED
 * @param kind            sync, async or narration segment
 * @param createdAt       when it was accepted
 * @param startedAt       when synthesis (of the current attempt) started
 * @param finishedAt      when it ended
 * @param updatedAt       newest event
 * @param progress        frames and seconds of audio done so far
 * @param cancelRequested a cancel was asked and the job has not ended yet
 * @param attempts        synthesis attempts (more than one after a worker failed)
 * @param workerId        the worker of the current (or last) attempt
 * @param model           the model that ran it
 * @param device          where it ran
 * @param notice          a warning for people, e.g. when the model is the random test model
 * @param result          the audio, once SUCCEEDED
 * @param error           the reason, once FAILED
 * @param statusUrl       this resource
 * @param audioUrl        where the audio is served, in the format asked for at submission
 * @param eventsUrl       Server-Sent Events with progress
 * @param voiceId         the voice the request named, if any
 * @param conditioning    what the audio was conditioned on (voice, context segments and frames), once SUCCEEDED
 */
public record JobView(String id, JobState state, JobKind kind, Instant createdAt, Instant startedAt,
                      Instant finishedAt, Instant updatedAt, Progress progress, boolean cancelRequested,
                      int attempts, String workerId, String model, String device, String notice, Result result, ErrorView error,
                      String statusUrl, String audioUrl, String eventsUrl, String voiceId,
                      ContextReport conditioning) {

    /** Frames done of at most frames_max; 80 ms of audio per frame. */
    public record Progress(int framesDone, Integer framesMax, double audioSeconds) {
    }

    /** The stored audio. */
    public record Result(long durationMs, int sampleRate, long bytes, String sha256, Integer frames,
                         String audioUrl) {
    }

    /** Why the job failed. */
    public record ErrorView(String code, String message) {
    }

    public static JobView of(JobStatus s) {
        String base = "/v1/jobs/" + s.jobId();
        String audio = base + "/audio" + dev.csmpipeline.ingest.audio.Formats.query(s.format());
        AudioResult r = s.result();
        Result result = r == null ? null
                : new Result(r.durationMs(), r.sampleRate(), r.byteSize(), r.sha256(), r.frames(), audio);
        ErrorView error = s.error() == null ? null : new ErrorView(s.error().code(), s.error().message());
        return new JobView(s.jobId(), s.state(), s.kind(), s.acceptedAt(), s.startedAt(), s.finishedAt(),
                s.updatedAt(), new Progress(s.framesDone(), s.framesMax(), s.audioSecondsDone()), s.cancelRequested(),
                s.attempts(), s.workerId(), s.model(), s.device(), s.notice(), result, error, base, audio,
                base + "/events", s.voiceId(), s.context());
    }
}
