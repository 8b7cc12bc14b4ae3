package dev.csmpipeline.engine;

import java.util.List;

/**
 * An earlier utterance the model conditions on (CSM's context, Sesame's {@code Segment}, a turn with audio in
 * transformers' processor): its speaker, its words and its audio as Mimi codes. The prompt places each segment
 * before the utterance as text frames, one audio frame per code frame, then the end-of-audio frame
 * (docs/BUNDLE-FORMAT.md, section 3).
 *
 * @param speakerId   CSM speaker of the segment, written as {@code [speakerId]}
 * @param text        what the segment says (its transcript)
 * @param audioFrames Mimi codes of its audio, {@code audioFrames.get(f)[k]} = codebook k of frame f, each code in
 *                    0..mimi_codebook_size-1; at least one frame
 */
public record ContextSegment(int speakerId, String text, List<int[]> audioFrames) {

    public ContextSegment {
        if (text == null || text.isBlank()) {
            throw new EngineRejectedException("a context segment needs the text its audio says");
        }
        if (audioFrames == null || audioFrames.isEmpty()) {
            throw new EngineRejectedException("a context segment needs at least one frame of audio codes");
        }
        audioFrames = List.copyOf(audioFrames);
    }

    /** Backbone positions this segment takes in a prompt, given its tokenized text: text, audio, end of audio. */
    public int positions(int textTokens) {
        return textTokens + audioFrames.size() + 1;
    }
}
