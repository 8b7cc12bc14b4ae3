package dev.csmpipeline.worker.engine;

import dev.csmpipeline.engine.SpeechEngine;
import dev.csmpipeline.engine.SpeechPrompt;
import dev.csmpipeline.engine.SynthesisControl;
import dev.csmpipeline.model.Sampling;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * Runs the engine through every path a first request would take, before the worker takes one: prompt prefill, the
 * backbone and depth steps, the Mimi decode, and for a batching engine rows joining a running batch and leaving it.
 * ONNX Runtime sizes its arenas and the JIT compiles the step loop on first use; without this the first caller after
 * a start pays for it (the Python server lists a slow first request as a known problem).
 */
public final class EngineWarmUp {

    /** Frames each warm-up synthesis runs: enough for the loop to reach its steady shape. */
    static final int FRAMES = 4;
    /**
     * Frames the warm-up makes in all, at least: the JIT compiles the per-frame code (31 depth steps, sampling) only
     * after thousands of steps, and a first call served by code still interpreted or half compiled costs up to 2x
     * the next ones on the tiny model (measured on a batch of 5 rows, four fresh JVMs each: after 9 warm-up
     * syntheses the first call was 0.82-1.93x the median of the next 20, after 40 it was 0.96-1.08x in three of four).
     */
    static final int FRAME_BUDGET = 200;
    /** ...unless that takes longer than this: on a large model the per-frame Java is a small part of a frame. */
    static final Duration TIME_BUDGET = Duration.ofSeconds(10);
    private static final String[] TEXTS = {"Warming up.", "Warming up the batch with a longer prompt than the first."};

    private EngineWarmUp() {
    }

    /**
     * Synthesizes short prompts: one alone, then, when {@code rows} > 1, two at once of different prompt lengths (left
     * padding) and frame caps (one row leaves while the other runs), twice (the second round finds the batch's
     * buffers sized); then single ones until the frame or the time budget is spent.
     *
     * @return milliseconds taken
     */
    public static long run(SpeechEngine engine, int rows) {
        long t0 = System.nanoTime();
        engine.synthesize(prompt(0), SynthesisControl.NONE);
        if (rows > 1) {
            ExecutorService callers = Executors.newFixedThreadPool(2, r -> {
                Thread t = new Thread(r, "engine-warm-up");
                t.setDaemon(true);
                return t;
            });
            try {
                for (int round = 0; round < 2; round++) {
                    List<CompletableFuture<?>> calls = new ArrayList<>();
                    for (int i = 0; i < TEXTS.length; i++) {
                        SpeechPrompt p = prompt(i);
                        calls.add(CompletableFuture.runAsync(() -> engine.synthesize(p, SynthesisControl.NONE),
                                callers));
                    }
                    CompletableFuture.allOf(calls.toArray(CompletableFuture[]::new)).join();
                }
            } finally {
                callers.shutdownNow();
            }
        }
        untilCompiled(engine, t0);
        return (System.nanoTime() - t0) / 1_000_000;
    }

    /** Single syntheses (a first call's shape) until {@link #FRAME_BUDGET} frames or {@link #TIME_BUDGET} are spent. */
    private static void untilCompiled(SpeechEngine engine, long startNanos) {
        int frames = 0;
        for (int i = 0; frames < FRAME_BUDGET && System.nanoTime() - startNanos < TIME_BUDGET.toNanos(); i++) {
            frames += engine.synthesize(prompt(i % TEXTS.length), SynthesisControl.NONE).frames();
        }
    }

    private static SpeechPrompt prompt(int i) {
        // The sampling jobs get by default, seeded: the warm-up is the same work on every start.
        return new SpeechPrompt(TEXTS[i], 0, FRAMES + i, Sampling.DEFAULT_TEMPERATURE, Sampling.DEFAULT_TOP_K, i);
    }
}
