package dev.csmpipeline.engine.standin;

import dev.csmpipeline.engine.EngineInfo;
import dev.csmpipeline.engine.SpeechEngine;
import dev.csmpipeline.engine.SpeechPrompt;
import dev.csmpipeline.engine.Synthesis;
import dev.csmpipeline.engine.SynthesisCancelledException;
import dev.csmpipeline.engine.SynthesisControl;
import java.util.concurrent.locks.LockSupport;

/**
 * A stand-in with a fixed cost per frame, for pipeline benchmarks ONLY: it measures what the pipeline around the
 * engine costs, never speech. It produces {@code min(maxFrames, framesPerWord * words)} frames of a quiet tone,
 * taking {@code frameNanos} per frame (a timed wait, so it uses no CPU and a benchmark on two cores measures the
 * pipeline, not contention with the stand-in).
 */
public final class FixedCostEngine implements SpeechEngine {

    public static final String MODEL_NAME = "fixed-cost-standin";
    public static final int SAMPLE_RATE = 24_000;
    public static final int SAMPLES_PER_FRAME = 1_920;

    private final long frameNanos;
    private final int framesPerWord;

    /**
     * @param frameNanos    time each frame takes
     * @param framesPerWord frames produced per word of text (about 4 for natural speech)
     */
    public FixedCostEngine(long frameNanos, int framesPerWord) {
        this.frameNanos = frameNanos;
        this.framesPerWord = framesPerWord;
    }

    /** Frames this engine produces for {@code prompt}. */
    public int framesFor(SpeechPrompt prompt) {
        int words = prompt.text().trim().split("\\s+").length;
        return Math.max(1, Math.min(prompt.maxFrames(), words * framesPerWord));
    }

    /** Time this engine takes for {@code prompt}. */
    public long nanosFor(SpeechPrompt prompt) {
        return framesFor(prompt) * frameNanos;
    }

    @Override
    public Synthesis synthesize(SpeechPrompt prompt, SynthesisControl control) {
        int frames = framesFor(prompt);
        float[] pcm = new float[frames * SAMPLES_PER_FRAME];
        double hz = 220 + 20 * prompt.speakerId();
        long start = System.nanoTime();
        for (int f = 0; f < frames; f++) {
            if (control.isCancelled()) {
                throw new SynthesisCancelledException(f);
            }
            for (int i = f * SAMPLES_PER_FRAME; i < (f + 1) * SAMPLES_PER_FRAME; i++) {
                pcm[i] = (float) (0.1 * Math.sin(2 * Math.PI * hz * i / SAMPLE_RATE));
            }
            long wakeAt = start + (f + 1) * frameNanos;
            long wait;
            while ((wait = wakeAt - System.nanoTime()) > 0) {
                LockSupport.parkNanos(wait);
            }
            control.onFrame(f + 1);
        }
        Synthesis.StopReason reason = frames == prompt.maxFrames() ? Synthesis.StopReason.MAX_FRAMES
                : Synthesis.StopReason.END_OF_AUDIO;
        return new Synthesis(pcm, SAMPLE_RATE, frames, reason);
    }

    /**
     * Stand-in codes: one frame per {@link #SAMPLES_PER_FRAME} samples (the last padded), each code the frame's
     * quantized mean level. Not Mimi: it only gives voice jobs in pipeline benchmarks something of the right shape.
     */
    @Override
    public java.util.List<int[]> encodeAudio(float[] pcm) {
        int frames = Math.max(1, (pcm.length + SAMPLES_PER_FRAME - 1) / SAMPLES_PER_FRAME);
        java.util.List<int[]> codes = new java.util.ArrayList<>(frames);
        for (int f = 0; f < frames; f++) {
            double sum = 0;
            int end = Math.min(pcm.length, (f + 1) * SAMPLES_PER_FRAME);
            for (int i = f * SAMPLES_PER_FRAME; i < end; i++) {
                sum += Math.abs(pcm[i]);
            }
            int level = (int) Math.min(2047, Math.round(sum / SAMPLES_PER_FRAME * 2047));
            int[] frame = new int[32];
            java.util.Arrays.fill(frame, level);
            codes.add(frame);
        }
        return codes;
    }

    @Override
    public EngineInfo info() {
        return new EngineInfo(MODEL_NAME, MODEL_NAME, "none", SAMPLE_RATE);
    }

    @Override
    public void close() {
        // holds nothing
    }
}
