package dev.csmpipeline.engine.csm;

/**
 * Observes the logits of every choice a generation makes (for parity checks and debugging; the engine passes
 * {@link #NONE}). The arrays are reused by the generation: copy what you keep.
 */
public interface StepListener {

    StepListener NONE = new StepListener() {
    };

    /**
     * After the backbone call that precedes frame {@code frame}.
     *
     * @param logits     (audio_vocab,) codebook-0 logits
     * @param lastHidden (backbone_hidden,) the backbone output fed to the depth decoder, null for float16 bundles
     */
    default void backbone(int frame, float[] logits, float[] lastHidden) {
    }

    /** After depth call {@code codebook} (1..31) of frame {@code frame}: (audio_vocab,) logits of that codebook. */
    default void depth(int frame, int codebook, float[] logits) {
    }

    /** After frame {@code frame} is chosen (the stop frame included): its codes, one per codebook (not reused). */
    default void frame(int frame, int[] codes) {
    }
}
