package dev.csmpipeline.model;

import java.time.Instant;
import java.util.List;

/**
 * Every segment of a narration has finished (on {@link Topics#NARRATIONS_READY}, keyed by narration id): the storage
 * service assembles it.
 *
 * @param narrationId    the narration
 * @param tenant         owner
 * @param segmentCount   number of segments
 * @param failedSegments segments that failed for good and become gaps (empty unless the narration asked for gaps)
 * @param at             when the last segment finished
 */
public record NarrationReady(String narrationId, String tenant, int segmentCount, List<Integer> failedSegments,
                             Instant at) {
}
