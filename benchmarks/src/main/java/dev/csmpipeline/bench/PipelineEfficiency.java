package dev.csmpipeline.bench;

import dev.csmpipeline.engine.SpeechPrompt;
import dev.csmpipeline.engine.Synthesis;
import dev.csmpipeline.engine.SynthesisControl;
import dev.csmpipeline.engine.standin.FixedCostEngine;
import dev.csmpipeline.model.audio.Wav;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;

/**
 * Pipeline efficiency: jobs per second through the whole pipeline (API, Kafka, worker, storage, events) divided by
 * jobs per second of the engine alone, for 1 and 2 workers, with the fixed-cost stand-in engine, so the figure is
 * what the pipeline around the engine costs. Warm-up, then repeated runs; the median is reported.
 *
 * <p>Arguments: frame ms (default 20), frames per job (40), jobs per worker per run (24), runs (3).
 */
public final class PipelineEfficiency {

    public static void main(String[] args) throws Exception {
        int frameMs = args.length > 0 ? Integer.parseInt(args[0]) : 20;
        int frames = args.length > 1 ? Integer.parseInt(args[1]) : 40;
        int jobsPerWorker = args.length > 2 ? Integer.parseInt(args[2]) : 24;
        int runs = args.length > 3 ? Integer.parseInt(args[3]) : 3;
        // Ten words give 40 frames with the stand-in's 4 frames per word; max length caps at `frames`.
        String body = "{\"text\":\"one two three four five six seven eight nine ten\",\"max_audio_length_ms\":"
                + frames * 80 + "}";

        double engineJobsPerSecond = engineAlone(frameMs, frames);
        System.out.printf("engine alone: %.3f jobs/s (%d frames x %d ms)%n", engineJobsPerSecond, frames, frameMs);
        try (Harness h = new Harness(4)) {
            for (int workers = 1; workers <= 2; workers++) {
                h.startWorker(Map.of("tts.engine", "fixed-cost", "tts.standin-frame", "PT0." + String.format("%03d",
                        frameMs) + "S"));
                runOnce(h, body, workers); // warm-up
                List<Double> ratios = new ArrayList<>();
                List<Double> rates = new ArrayList<>();
                for (int r = 0; r < runs; r++) {
                    double rate = runOnce(h, body, workers * jobsPerWorker);
                    rates.add(rate);
                    ratios.add(rate / (workers * engineJobsPerSecond));
                }
                System.out.printf("RESULT pipeline-efficiency workers=%d jobs/s median=%s (runs %s) "
                                + "efficiency median=%s (runs %s)%n", workers, Stats.fmt(Stats.median(rates)),
                        rates.stream().map(Stats::fmt).toList(), Stats.fmt(Stats.median(ratios)),
                        ratios.stream().map(Stats::fmt).toList());
            }
        }
        System.exit(0);
    }

    /** Jobs per second of the stand-in engine itself, run back to back. */
    static double engineAlone(int frameMs, int frames) {
        FixedCostEngine engine = new FixedCostEngine(frameMs * 1_000_000L, 4);
        SpeechPrompt prompt = new SpeechPrompt("one two three four five six seven eight nine ten", 0, frames, 0.9,
                50, 1);
        engine.synthesize(prompt, SynthesisControl.NONE);
        List<Double> rates = new ArrayList<>();
        for (int r = 0; r < 3; r++) {
            long t0 = System.nanoTime();
            for (int i = 0; i < 5; i++) {
                Synthesis s = engine.synthesize(prompt, SynthesisControl.NONE);
                Wav.encode(s.pcm(), s.sampleRate());
            }
            rates.add(5 / ((System.nanoTime() - t0) / 1e9));
        }
        return Stats.median(rates);
    }

    /** Submits {@code jobs} at once and returns jobs per second from the first submit to the last end. */
    static double runOnce(Harness h, String body, int jobs) throws Exception {
        return h.runJobs(Collections.nCopies(jobs, body)).jobsPerSecond();
    }
}
