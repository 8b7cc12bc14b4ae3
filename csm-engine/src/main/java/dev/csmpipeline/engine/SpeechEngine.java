package dev.csmpipeline.engine;

/**
 * Text to speech, one request at a time per call; implementations are safe under concurrent calls. The worker
 * runs {@link CsmEngine}; a fixed-cost stand-in exists for pipeline benchmarks only.
 */
public interface SpeechEngine extends AutoCloseable {

    /**
     * Synthesizes {@code prompt}, calling {@code control} after every frame.
     *
     * @throws EngineRejectedException   when the input cannot be synthesized (retrying fails again)
     * @throws SynthesisCancelledException when {@code control} reported cancellation between frames
     */
    Synthesis synthesize(SpeechPrompt prompt, SynthesisControl control);

    /** What model runs, on which device. */
    EngineInfo info();

    @Override
    void close();
}
