package dev.csmpipeline.storage.client;

/**
 * The layout of the bucket. Keys derive from ids only, so writing the same job twice writes the same key and a
 * redelivered job cannot leave two results.
 */
public final class ObjectKeys {

    public static final String AUDIO_PREFIX = "audio/";
    public static final String NARRATIONS_PREFIX = "narrations/";

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

    public static String narrationPrefix(String narrationId) {
        return NARRATIONS_PREFIX + narrationId + "/";
    }
}
