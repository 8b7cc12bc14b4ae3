package dev.csmpipeline.engine;

/** Synthesis stopped between frames because the caller cancelled it. */
public class SynthesisCancelledException extends RuntimeException {

    private final int framesDone;

    public SynthesisCancelledException(int framesDone) {
        super("synthesis cancelled after " + framesDone + " frames");
        this.framesDone = framesDone;
    }

    public int framesDone() {
        return framesDone;
    }
}
