package dev.csmpipeline.model;

/**
 * A registered voice's reference clip, on the request that has a worker encode it (a {@link JobKind#VOICE} job) and
 * on that job's ACCEPTED event, so the status table can describe the voice.
 *
 * @param name             a label for people; may be null
 * @param transcript       what the clip says (also the request's text)
 * @param clipKey          the uploaded clip in the bucket, as sent
 * @param codesKey         where the worker stores its Mimi codes
 * @param clipMs           length of the clip
 * @param sourceSampleRate sample rate of the upload (resampled to the model's rate by the worker)
 * @param sourceChannels   channels of the upload (mixed down to mono by the worker)
 */
public record VoiceClip(String name, String transcript, String clipKey, String codesKey, Long clipMs,
                        Integer sourceSampleRate, Integer sourceChannels) {
}
