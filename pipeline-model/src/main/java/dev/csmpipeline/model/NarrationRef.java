package dev.csmpipeline.model;

/**
 * Place of a segment job within its narration.
 *
 * @param narrationId  the narration the segment belongs to
 * @param segmentIndex zero-based position of the segment in the document
 * @param segmentCount number of segments of the narration
 * @param gapOnFailure true when a segment failing for good leaves a gap instead of failing the narration
 */
public record NarrationRef(String narrationId, int segmentIndex, int segmentCount, Boolean gapOnFailure) {

    public NarrationRef(String narrationId, int segmentIndex, int segmentCount) {
        this(narrationId, segmentIndex, segmentCount, false);
    }

    public boolean gaps() {
        return Boolean.TRUE.equals(gapOnFailure);
    }
}
