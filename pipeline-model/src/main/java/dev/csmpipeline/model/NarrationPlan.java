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
 * @param voice        the voice every segment is conditioned on (its context is the voice's clip); null for none
 * @param continuity   {@link Limits#CONTINUITY_PREVIOUS}: each segment also carries the previous one's text and
 *                     audio, so segments run in order; null or {@link Limits#CONTINUITY_NONE}: in parallel
 */
public record NarrationPlan(String narrationId, String tenant, Integer speakerId, Sampling sampling, int pauseMs,
                            boolean gapOnFailure, Instant createdAt, List<Segment> segments, Conditioning voice,
                            String continuity) {

    public NarrationPlan(String narrationId, String tenant, Integer speakerId, Sampling sampling, int pauseMs,
                         boolean gapOnFailure, Instant createdAt, List<Segment> segments) {
        this(narrationId, tenant, speakerId, sampling, pauseMs, gapOnFailure, createdAt, segments, null, null);
    }

    /** True when segments are conditioned on the one before and so run one after another. */
    public boolean chained() {
        return Limits.CONTINUITY_PREVIOUS.equals(continuity);
    }

    /** The voice's id, or null. */
    public String voiceId() {
        return voice == null ? null : voice.voiceId();
    }

    /**
     * The request of segment {@code index}: the plan's speaker, sampling and voice; with continuity, the previous
     * segment's text and codes as a second context segment (the worker skips it when those codes do not exist, e.g.
     * after that segment failed).
     *
     * @param codesKey where segment {@code i}'s codes are stored (storage-client's ObjectKeys)
     */
    public SynthesisRequest segmentRequest(int index, Instant requestedAt, java.util.function.IntFunction<String> codesKey) {
        Segment s = segments.get(index);
        NarrationRef ref = new NarrationRef(narrationId, index, segments.size(), gapOnFailure, chained());
        List<ContextRef> context = new java.util.ArrayList<>(voice == null ? List.of() : voice.context());
        if (chained() && index > 0) {
            Segment previous = segments.get(index - 1);
            context.add(new ContextRef(ContextRef.PREVIOUS_SEGMENT, previous.jobId(), speakerId, previous.text(),
                    codesKey.apply(index - 1), null));
        }
        Conditioning conditioning = voice == null && context.isEmpty() ? null
                : new Conditioning(voiceId(), context, false);
        return new SynthesisRequest(s.jobId(), JobKind.NARRATION_SEGMENT, s.text(), speakerId, s.maxAudioLengthMs(),
                sampling, AudioFormat.WAV, tenant, requestedAt, null, ref, conditioning, null);
    }

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
