package dev.csmpipeline.engine.csm;

import java.util.List;

/**
 * The codes of one generation.
 *
 * @param frames       every generated frame, {@code frames.get(f)[k]} = code of codebook k of frame f, stop frame
 *                     included (as transformers' {@code sequences} and the reference's {@code frames})
 * @param stoppedEarly true when the last frame met the stop rule (it is then not audio)
 * @param promptPositions backbone positions of the prompt (the prefill): context segments and text
 */
public record GeneratedCodes(List<int[]> frames, boolean stoppedEarly, int promptPositions) {

    public GeneratedCodes {
        frames = List.copyOf(frames);
    }

    /** The frames that reach Mimi: all of them, less the stop frame when generation stopped on one. */
    public List<int[]> audioFrames() {
        return stoppedEarly ? frames.subList(0, frames.size() - 1) : frames;
    }
}
