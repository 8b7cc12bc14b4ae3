package dev.csmpipeline.model;

import java.time.Instant;
import java.util.List;

/**
 * A narration as the API split it, stored as {@code narrations/<id>/plan.json} before any segment is published, so
 * the storage service can assemble the audio and write the manifest.
 *
 * @param narrationId  the narration
 * @param tenant       owner
 * @param speakerId    CSM speaker of every segment
 * @param sampling     sampling of every segment (one seed for all, so segments sound alike)
 * @param pauseMs      silence between two segments in the final audio
 * @param gapOnFailure true: a segment that fails for good leaves a gap the manifest records; false: it fails the
 *                     narration
 * @param createdAt    when it was accepted
 * @param segments     the segments in reading order
 */
public record NarrationPlan(String narrationId, String tenant, Integer speakerId, Sampling sampling, int pauseMs,
                            boolean gapOnFailure, Instant createdAt, List<Segment> segments) {

    /**
     * One segment.
     *
     * @param index            position in the document, from 0
     * @param jobId            its job id
     * @param text             its words
     * @param maxAudioLengthMs its audio cap
     */
    public record Segment(int index, String jobId, String text, int maxAudioLengthMs) {
    }

    /** The job id of segment {@code index} of a narration: distinct per segment, so they spread over partitions. */
    public static String segmentJobId(String narrationId, int index) {
        return narrationId + "-s" + index;
    }
}
