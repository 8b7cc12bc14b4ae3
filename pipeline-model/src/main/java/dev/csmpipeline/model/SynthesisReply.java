package dev.csmpipeline.model;

/**
 * The reply to a synchronous call on {@link Topics#REPLIES}. Small audio travels inline; audio over
 * {@link Limits#INLINE_REPLY_MAX_BYTES} stays in storage and the reply carries only its key (claim check).
 *
 * @param jobId   the job, also the correlation id
 * @param success whether audio was produced
 * @param result  metadata of the stored audio (always stored, so the job has an audio URL afterwards)
 * @param wav     the WAV bytes when small enough to travel inline, else null
 * @param error   why it failed, when not successful
 * @param model   the model that ran it
 */
public record SynthesisReply(String jobId, boolean success, AudioResult result, byte[] wav, JobError error,
                             String model) {

    public static SynthesisReply succeeded(String jobId, AudioResult result, byte[] wavOrNull, String model) {
        return new SynthesisReply(jobId, true, result, wavOrNull, null, model);
    }

    public static SynthesisReply failed(String jobId, JobError error) {
        return new SynthesisReply(jobId, false, null, null, error, null);
    }

    /** True when the audio must be fetched from storage by {@link AudioResult#objectKey()}. */
    public boolean isClaimCheck() {
        return success && wav == null;
    }
}
