package dev.csmpipeline.model;

import java.util.List;

/**
 * What {@code narrations/<id>/manifest.json} says of the final audio: each segment's text and where it starts and
 * ends in it (captions for free).
 *
 * @param narrationId the narration
 * @param sampleRate  samples per second of the final audio
 * @param pauseMs     silence between segments
 * @param durationMs  length of the final audio
 * @param sha256      hex SHA-256 of the final WAV
 * @param segments    in reading order
 * @param voiceId     the voice every segment was conditioned on; null for none
 * @param continuity  {@code previous} when each segment was also conditioned on the one before, else {@code none}
 */
public record NarrationManifest(String narrationId, int sampleRate, int pauseMs, long durationMs, String sha256,
                                List<Entry> segments, String voiceId, String continuity) {

    public NarrationManifest(String narrationId, int sampleRate, int pauseMs, long durationMs, String sha256,
                             List<Entry> segments) {
        this(narrationId, sampleRate, pauseMs, durationMs, sha256, segments, null, Limits.CONTINUITY_NONE);
    }

    /** The same manifest with the final audio's SHA-256. */
    public NarrationManifest withSha256(String hex) {
        return new NarrationManifest(narrationId, sampleRate, pauseMs, durationMs, hex, segments, voiceId,
                continuity);
    }

    /**
     * One segment's place in the final audio.
     *
     * @param index      position in the document
     * @param text       its words
     * @param startMs    where its audio starts
     * @param endMs      where its audio ends
     * @param durationMs its length (0 for a gap)
     * @param gap        true when the segment failed and left a gap
     * @param error      why it failed, for a gap
     * @param context    what its synthesis was conditioned on (voice, context segments and frames); null for none
     */
    public record Entry(int index, String text, long startMs, long endMs, long durationMs, boolean gap,
                        String error, ContextReport context) {

        public Entry(int index, String text, long startMs, long endMs, long durationMs, boolean gap, String error) {
            this(index, text, startMs, endMs, durationMs, gap, error, null);
        }
    }
}
