package dev.csmpipeline.engine;

/**
 * One synthesis request as the engine sees it.
 *
 * @param text        words to speak
 * @param speakerId   CSM speaker, written into the prompt as {@code [speakerId]}
 * @param maxFrames   cap on generated frames (max_audio_length_ms / 80)
 * @param temperature softmax temperature; 0 means argmax
 * @param topK        ids kept before sampling; 1 means argmax
 * @param seed        seed of the sampler, so the same seed gives the same audio
 */
public record SpeechPrompt(String text, int speakerId, int maxFrames, double temperature, int topK, long seed) {

    public SpeechPrompt {
        if (text == null || text.isBlank()) {
            throw new EngineRejectedException("text must contain words to speak");
        }
        if (maxFrames < 1) {
            throw new EngineRejectedException("maxFrames must be at least 1, was " + maxFrames);
        }
        if (topK < 1) {
            throw new EngineRejectedException("topK must be at least 1, was " + topK);
        }
        if (!(temperature >= 0)) {
            throw new EngineRejectedException("temperature must be 0 or more, was " + temperature);
        }
    }

    /** True when sampling reduces to argmax. */
    public boolean isGreedy() {
        return temperature == 0.0 || topK == 1;
    }
}
