package dev.csmpipeline.model;

/**
 * One earlier utterance a synthesis is conditioned on, by reference: the worker loads its codes from the bucket.
 *
 * @param source    {@link #VOICE} (a registered voice's clip) or {@link #PREVIOUS_SEGMENT} (the narration segment
 *                  before this one, for continuity)
 * @param id        the voice id, or the previous segment's job id
 * @param speakerId CSM speaker of that utterance
 * @param text      what it says
 * @param codesKey  its Mimi codes in the bucket ({@link dev.csmpipeline.model.audio.CodeFrames})
 * @param frames    number of code frames, when known (a previous segment's are known only once it is done)
 */
public record ContextRef(String source, String id, Integer speakerId, String text, String codesKey, Integer frames) {

    public static final String VOICE = "voice";
    public static final String PREVIOUS_SEGMENT = "previous_segment";

    public boolean isVoice() {
        return VOICE.equals(source);
    }
}
