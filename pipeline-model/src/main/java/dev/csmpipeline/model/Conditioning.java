package dev.csmpipeline.model;

import java.util.List;

/**
 * What a synthesis is conditioned on: a registered voice and the context segments the prompt carries before the
 * text (docs/ARCHITECTURE.md, Voices).
 *
 * @param voiceId    the voice the client named; null when none
 * @param context    the segments, oldest first: the voice's clip, then (continuity) the previous segment
 * @param framesAsked true when the client set max_audio_length_ms: a prompt that leaves the model less room is
 *                   refused; false: the cap shrinks to the room left
 */
public record Conditioning(String voiceId, List<ContextRef> context, Boolean framesAsked) {

    public Conditioning {
        context = context == null ? List.of() : List.copyOf(context);
    }

    public boolean strictFrames() {
        return Boolean.TRUE.equals(framesAsked);
    }
}
