package dev.csmpipeline.engine;

import java.util.List;

/**
 * One synthesis request as the engine sees it. The one place that validates it, sampling settings included: the
 * sampler is built from a prompt and checks nothing again.
 *
 * @param text        words to speak
 * @param speakerId   CSM speaker, written into the prompt as {@code [speakerId]}
 * @param maxFrames   cap on generated frames (max_audio_length_ms / 80)
 * @param temperature softmax temperature; 0 means argmax
 * @param topK        ids kept before sampling; 1 means argmax
 * @param seed        seed of the sampler, so the same seed gives the same audio
 * @param context     earlier utterances with their audio the model conditions on (a voice prompt), oldest first;
 *                    empty for none
 * @param fitFrames   true: {@code maxFrames} is a ceiling that shrinks to the context room left after the prompt
 *                    (the default cap); false: {@code maxFrames} was asked for, and a prompt that leaves less room
 *                    is refused with the numbers
 */
public record SpeechPrompt(String text, int speakerId, int maxFrames, double temperature, int topK, long seed,
                           List<ContextSegment> context, boolean fitFrames) {

    /** A prompt without context whose frame cap shrinks to fit. */
    public SpeechPrompt(String text, int speakerId, int maxFrames, double temperature, int topK, long seed) {
        this(text, speakerId, maxFrames, temperature, topK, seed, List.of(), true);
    }

    public SpeechPrompt {
        context = context == null ? List.of() : List.copyOf(context);
        if (text == null || text.isBlank()) {
            throw new EngineRejectedException("text must contain words to speak");
        }
        if (maxFrames < 1) {
            throw new EngineRejectedException("maxFrames must be at least 1, was " + maxFrames);
        }
        if (topK < 1) {
            throw new EngineRejectedException("topK must be at least 1, was " + topK);
        }
        if (!(temperature >= 0) || Double.isInfinite(temperature)) {
            throw new EngineRejectedException("temperature must be a finite number, 0 or more, was " + temperature);
        }
    }

    /** Audio frames of all context segments together. */
    public int contextFrames() {
        return context.stream().mapToInt(c -> c.audioFrames().size()).sum();
    }

    /** The same prompt conditioned on {@code segments}. */
    public SpeechPrompt withContext(List<ContextSegment> segments, boolean fit) {
        return new SpeechPrompt(text, speakerId, maxFrames, temperature, topK, seed, segments, fit);
    }

    /** True when sampling reduces to argmax. */
    public boolean isGreedy() {
        return temperature == 0.0 || topK == 1;
    }
}
