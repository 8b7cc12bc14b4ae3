package dev.csmpipeline.model;

/**
 * Place of a segment job within its narration.
 *
 * @param narrationId  the narration the segment belongs to
 * @param segmentIndex zero-based position of the segment in the document
 * @param segmentCount number of segments of the narration
 * @param gapOnFailure true when a segment failing for good leaves a gap instead of failing the narration
 * @param chained      true for a narration with continuity: each segment is conditioned on the one before, so
 *                     segments run one after another and the worker that ends one publishes the next
 */
public record NarrationRef(String narrationId, int segmentIndex, int segmentCount, Boolean gapOnFailure,
                           Boolean chained) {

    public NarrationRef(String narrationId, int segmentIndex, int segmentCount) {
        this(narrationId, segmentIndex, segmentCount, false, false);
    }

    public NarrationRef(String narrationId, int segmentIndex, int segmentCount, Boolean gapOnFailure) {
        this(narrationId, segmentIndex, segmentCount, gapOnFailure, false);
    }

    public boolean isChained() {
        return Boolean.TRUE.equals(chained);
    }

    /** True when another segment follows this one. */
    public boolean hasNext() {
        return segmentIndex + 1 < segmentCount;
    }

    public boolean gaps() {
        return Boolean.TRUE.equals(gapOnFailure);
    }
}
