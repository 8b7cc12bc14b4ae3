package dev.csmpipeline.engine;

/**
 * The audio of one synthesis, as samples: the engine knows no file format (callers encode WAV or others).
 *
 * @param pcm        mono samples in [-1, 1]
 * @param sampleRate samples per second
 * @param frames     audio frames generated (each {@code samplesPerFrame} samples)
 * @param stopReason why generation ended
 * @param promptPositions backbone positions of the prompt (context segments, then the utterance's text)
 * @param contextFrames   audio frames of the context segments the audio was conditioned on (0 for none)
 */
public record Synthesis(float[] pcm, int sampleRate, int frames, StopReason stopReason, int promptPositions,
                        int contextFrames) {

    /** Audio without context whose prompt length is not reported. */
    public Synthesis(float[] pcm, int sampleRate, int frames, StopReason stopReason) {
        this(pcm, sampleRate, frames, stopReason, 0, 0);
    }

    public enum StopReason {
        /** The model produced its end-of-audio frame. */
        END_OF_AUDIO,
        /** The frame cap (max_audio_length_ms / 80) was reached. */
        MAX_FRAMES
    }

    /** Duration in milliseconds, from the sample count. */
    public long durationMs() {
        return Math.round(pcm.length * 1000.0 / sampleRate);
    }
}
