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

    /**
     * {@link #synthesize} with the audio handed to {@code listener} as it is generated, {@code chunkFrames} frames
     * (80 ms each) a chunk, then a last chunk; the returned synthesis holds the concatenated chunks.
     *
     * @throws EngineRejectedException when this engine cannot stream ({@link #canStream()}) or the chunk size is
     *                                 outside 1 to {@link #maxChunkFrames()}
     */
    default Synthesis synthesizeStreaming(SpeechPrompt prompt, SynthesisControl control, int chunkFrames,
                                          AudioChunkListener listener) {
        throw new EngineRejectedException("model " + info().modelName() + " cannot stream its audio");
    }

    /** Whether {@link #synthesizeStreaming} works here. */
    default boolean canStream() {
        return false;
    }

    /** The largest chunk {@link #synthesizeStreaming} takes, in frames; 0 when it cannot stream. */
    default int maxChunkFrames() {
        return 0;
    }

    /**
     * Encodes a voice clip with Mimi's encoder into the codes a {@link ContextSegment} carries.
     *
     * @param pcm mono samples in [-1, 1] at {@link EngineInfo#sampleRate()} (24 kHz for CSM)
     * @return one code frame per {@code samples_per_frame} samples (the last one partial, padded),
     *         {@code frames.get(f)[k]} = codebook k of frame f
     * @throws EngineRejectedException when the model cannot encode audio (a bundle exported without the Mimi
     *                                 encoder: the message names the missing file and says to re-export)
     */
    java.util.List<int[]> encodeAudio(float[] pcm);

    /** What model runs, on which device. */
    EngineInfo info();

    @Override
    void close();
}
