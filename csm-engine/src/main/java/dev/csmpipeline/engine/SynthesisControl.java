package dev.csmpipeline.engine;

/** The caller's side of a running synthesis: progress out, cancellation in. Both are checked between frames. */
public interface SynthesisControl {

    /** Called after each generated frame with the number of frames so far. */
    default void onFrame(int framesDone) {
    }

    /** Polled between frames; true stops the synthesis with {@link SynthesisCancelledException}. */
    default boolean isCancelled() {
        return false;
    }

    /** No progress, never cancelled. */
    SynthesisControl NONE = new SynthesisControl() {
    };
}
