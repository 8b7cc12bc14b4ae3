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
 */
public record NarrationManifest(String narrationId, int sampleRate, int pauseMs, long durationMs, String sha256,
                                List<Entry> segments) {

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
     */
    public record Entry(int index, String text, long startMs, long endMs, long durationMs, boolean gap,
                        String error) {
    }
}
