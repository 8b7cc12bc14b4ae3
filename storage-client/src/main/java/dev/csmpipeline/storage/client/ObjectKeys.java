package dev.csmpipeline.storage.client;

/**
 * The layout of the bucket. Keys derive from ids only, so writing the same job twice writes the same key and a
 * redelivered job cannot leave two results.
 */
public final class ObjectKeys {

    public static final String AUDIO_PREFIX = "audio/";
    public static final String NARRATIONS_PREFIX = "narrations/";
    public static final String VOICES_PREFIX = "voices/";

    private ObjectKeys() {
    }

    /** {@code audio/{jobId}.wav}: the audio of a sync or async job. */
    public static String audio(String jobId) {
        return AUDIO_PREFIX + jobId + ".wav";
    }

    /** {@code narrations/{id}/segments/{n}.wav}, n zero-padded so keys list in order. */
    public static String narrationSegment(String narrationId, int segmentIndex) {
        return narrationPrefix(narrationId) + "segments/" + String.format("%05d", segmentIndex) + ".wav";
    }

    /** {@code narrations/{id}/final.wav}: the assembled narration. */
    public static String narrationFinal(String narrationId) {
        return narrationPrefix(narrationId) + "final.wav";
    }

    /**
     * {@code narrations/{id}/final.mp3} and the like: the assembled narration encoded in another format (a copy the
     * API makes on first download; deleted with the narration).
     */
    public static String narrationFinal(String narrationId, String extension) {
        return narrationPrefix(narrationId) + "final" + extension;
    }

    /** {@code narrations/{id}/manifest.json}: segment texts and their times in the final audio. */
    public static String narrationManifest(String narrationId) {
        return narrationPrefix(narrationId) + "manifest.json";
    }

    /** {@code narrations/{id}/plan.json}: the split document, written before any segment is published. */
    public static String narrationPlan(String narrationId) {
        return narrationPrefix(narrationId) + "plan.json";
    }

    /** {@code narrations/{id}/segments/{n}.codes}: a segment's Mimi codes, for the next one to continue from. */
    public static String narrationSegmentCodes(String narrationId, int segmentIndex) {
        return narrationPrefix(narrationId) + "segments/" + String.format("%05d", segmentIndex) + ".codes";
    }

    /** {@code voices/{tenant}/{voiceId}/}: everything of one voice, under its owner's prefix. */
    public static String voicePrefix(String tenant, String voiceId) {
        return VOICES_PREFIX + tenant + "/" + voiceId + "/";
    }

    /** {@code voices/{tenant}/{voiceId}/clip.wav}: the reference clip as uploaded. */
    public static String voiceClip(String tenant, String voiceId) {
        return voicePrefix(tenant, voiceId) + "clip.wav";
    }

    /** {@code voices/{tenant}/{voiceId}/codes.bin}: the clip's Mimi codes, written by the worker that encoded it. */
    public static String voiceCodes(String tenant, String voiceId) {
        return voicePrefix(tenant, voiceId) + "codes.bin";
    }

    public static String narrationPrefix(String narrationId) {
        return NARRATIONS_PREFIX + narrationId + "/";
    }
}
