package dev.csmpipeline.model;

import java.time.Instant;

/**
 * One lifecycle event on {@link Topics#EVENTS}, keyed by job id. Fields not relevant to the type are null.
 *
 * @param jobId      the job
 * @param type       what happened
 * @param at         when it happened (producer clock)
 * @param workerId   the worker that emitted it (STARTED, PROGRESS, terminal events from workers)
 * @param framesDone audio frames generated so far (PROGRESS) or in all (SUCCEEDED)
 * @param framesMax  the frame cap of the request (ACCEPTED, STARTED)
 * @param model      name of the model bundle that ran, e.g. {@code tiny-random} (STARTED, SUCCEEDED)
 * @param device     execution device of the worker, e.g. {@code cpu} or {@code cuda:0} (STARTED)
 * @param result     where the audio lies (SUCCEEDED)
 * @param error      why it failed (FAILED, CANCELLED with a reason)
 * @param info       request summary (ACCEPTED)
 * @param narration  the segment's place, on every event of a narration segment
 * @param context    what the synthesis was conditioned on (SUCCEEDED of a job with a voice or context)
 */
public record JobEvent(
        String jobId,
        EventType type,
        Instant at,
        String workerId,
        Integer framesDone,
        Integer framesMax,
        String model,
        String device,
        AudioResult result,
        JobError error,
        JobInfo info,
        NarrationRef narration,
        ContextReport context) {

    public JobEvent(String jobId, EventType type, Instant at, String workerId, Integer framesDone, Integer framesMax,
                    String model, String device, AudioResult result, JobError error, JobInfo info,
                    NarrationRef narration) {
        this(jobId, type, at, workerId, framesDone, framesMax, model, device, result, error, info, narration, null);
    }

    /**
     * An event names its job, its type and its time, or it is not an event: decoding one without them fails, so the
     * record goes to the dead-letter topic instead of into the status fold.
     */
    public JobEvent {
        if (jobId == null || jobId.isBlank() || type == null || at == null) {
            throw new IllegalArgumentException("a job event needs job_id, type and at; got job_id=" + jobId
                    + " type=" + type + " at=" + at);
        }
    }

    public static JobEvent accepted(SynthesisRequest request, Instant at) {
        return accepted(request, null, at);
    }

    /** ACCEPTED, recording the client's Idempotency-Key so a repeat finds this job. */
    public static JobEvent accepted(SynthesisRequest request, String idempotencyKey, Instant at) {
        return new JobEvent(request.jobId(), EventType.ACCEPTED, at, null, null, request.maxFrames(), null, null,
                null, null, JobInfo.of(request, idempotencyKey), request.narration());
    }

    /** ACCEPTED of a whole narration: its row in the status table. */
    public static JobEvent narrationAccepted(String narrationId, String tenant, Integer speakerId, int textChars,
                                             Instant at) {
        return narrationAccepted(narrationId, tenant, speakerId, textChars, null, at);
    }

    /** ACCEPTED of a whole narration whose audio is delivered in {@code format} by default. */
    public static JobEvent narrationAccepted(String narrationId, String tenant, Integer speakerId, int textChars,
                                             AudioFormat format, Instant at) {
        return new JobEvent(narrationId, EventType.ACCEPTED, at, null, null, null, null, null, null, null,
                new JobInfo(JobKind.NARRATION, tenant, speakerId, null, textChars, null, null, null, format), null);
    }

    /** SUCCEEDED of a whole narration, once its audio is assembled. */
    public static JobEvent narrationSucceeded(String narrationId, String by, AudioResult finalAudio, Instant at) {
        return new JobEvent(narrationId, EventType.SUCCEEDED, at, by, finalAudio.frames(), null, null, null,
                finalAudio, null, null, null);
    }

    public static JobEvent cancelRequested(String jobId, NarrationRef narration, Instant at) {
        return new JobEvent(jobId, EventType.CANCEL_REQUESTED, at, null, null, null, null, null, null, null, null,
                narration);
    }

    public static JobEvent started(SynthesisRequest request, String workerId, String model, String device, Instant at) {
        return new JobEvent(request.jobId(), EventType.STARTED, at, workerId, 0, request.maxFrames(), model, device,
                null, null, null, request.narration());
    }

    public static JobEvent progress(SynthesisRequest request, String workerId, int framesDone, Instant at) {
        return new JobEvent(request.jobId(), EventType.PROGRESS, at, workerId, framesDone, null, null, null, null,
                null, null, request.narration());
    }

    public static JobEvent succeeded(SynthesisRequest request, String workerId, String model, AudioResult result,
                                     Instant at) {
        return succeeded(request, workerId, model, result, null, at);
    }

    /** SUCCEEDED, saying what the synthesis was conditioned on ({@code context} null for nothing). */
    public static JobEvent succeeded(SynthesisRequest request, String workerId, String model, AudioResult result,
                                     ContextReport context, Instant at) {
        return new JobEvent(request.jobId(), EventType.SUCCEEDED, at, workerId, result.frames(), null, model, null,
                result, null, null, request.narration(), context);
    }

    /** DELETED: the owner removed it (a voice) and its objects. */
    public static JobEvent deleted(String jobId, Instant at) {
        return new JobEvent(jobId, EventType.DELETED, at, null, null, null, null, null, null, null, null, null);
    }

    public static JobEvent failed(String jobId, NarrationRef narration, String workerId, JobError error, Instant at) {
        return new JobEvent(jobId, EventType.FAILED, at, workerId, null, null, null, null, null, error, null,
                narration);
    }

    public static JobEvent cancelled(String jobId, NarrationRef narration, String workerId, Instant at) {
        return new JobEvent(jobId, EventType.CANCELLED, at, workerId, null, null, null, null, null, null, null,
                narration);
    }

    public static JobEvent expired(String jobId, NarrationRef narration, Instant at) {
        return new JobEvent(jobId, EventType.EXPIRED, at, null, null, null, null, null, null, null, null, narration);
    }
}
