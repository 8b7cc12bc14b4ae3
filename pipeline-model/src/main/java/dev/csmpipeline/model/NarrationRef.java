package dev.csmpipeline.model;

/**
 * Place of a segment job within its narration.
 *
 * @param narrationId  the narration the segment belongs to
 * @param segmentIndex zero-based position of the segment in the document
 * @param segmentCount number of segments of the narration
 */
public record NarrationRef(String narrationId, int segmentIndex, int segmentCount) {
}
