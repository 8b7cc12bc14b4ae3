package dev.csmpipeline.engine.bench;

import dev.csmpipeline.engine.BundledModels;
import dev.csmpipeline.engine.CsmEngine;
import dev.csmpipeline.engine.EngineOptions;
import dev.csmpipeline.engine.SpeechPrompt;
import dev.csmpipeline.engine.SynthesisControl;
import dev.csmpipeline.engine.csm.GeneratedCodes;
import dev.csmpipeline.engine.csm.StepListener;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * CPU benchmark of the engine (not a test): warm-up runs, then timed runs of a fixed-length greedy generation,
 * reporting medians of ms per frame (prefill included, as transformers' benchmark), steady-state ms per frame, the
 * split between backbone and depth decoder, the Mimi decode and the real-time factor. Run by
 * tools/bench/engine-vs-pytorch.sh.
 *
 * <pre>
 * java ... dev.csmpipeline.engine.bench.EngineBench [--model DIR|tiny] [--frames 32] [--runs 5] [--warmup 2]
 *     [--threads 2] [--text "..."] [--json out.json]
 * </pre>
 */
public final class EngineBench {

    public static void main(String[] args) throws Exception {
        String model = "tiny";
        int frames = 32;
        int runs = 5;
        int warmup = 2;
        int threads = 2;
        String text = "Hello from Sesame. This is a benchmark of the speech engine.";
        Path json = null;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--model" -> model = args[++i];
                case "--frames" -> frames = Integer.parseInt(args[++i]);
                case "--runs" -> runs = Integer.parseInt(args[++i]);
                case "--warmup" -> warmup = Integer.parseInt(args[++i]);
                case "--threads" -> threads = Integer.parseInt(args[++i]);
                case "--text" -> text = args[++i];
                case "--json" -> json = Path.of(args[++i]);
                default -> throw new IllegalArgumentException("unknown argument " + args[i]);
            }
        }
        Path dir = model.equals("tiny") ? BundledModels.tinyRandom() : Path.of(model);
        long tl = System.nanoTime();
        try (CsmEngine engine = CsmEngine.load(dir, EngineOptions.cpu(threads))) {
            double loadMs = (System.nanoTime() - tl) / 1e6;
            SpeechPrompt prompt = new SpeechPrompt(text, 0, frames, 0.0, 1, 0L);
            int promptTokens = engine.tokenizePrompt(0, text).length;
            System.out.printf(Locale.ROOT, "java engine: model=%s prompt_tokens=%d frames=%d runs=%d warmup=%d "
                    + "threads=%d load_ms=%.0f%n", engine.info().modelName(), promptTokens, frames, runs, warmup,
                    threads, loadMs);
            List<Run> results = new ArrayList<>();
            for (int r = 0; r < warmup + runs; r++) {
                Run run = timeOnce(engine, prompt);
                if (r >= warmup) {
                    results.add(run);
                    System.out.printf(Locale.ROOT, "  run %d: %d frames, %.1f ms/frame (steady %.1f, cpu %.1f, backbone "
                            + "%.2f, depth %.2f per frame = %.3f per call), prefill+first frame %.1f ms, mimi %.1f ms%n",
                            r - warmup, run.frames, run.msPerFrame(), run.steadyMsPerFrame, run.cpuMsPerFrame,
                            run.backboneMsPerFrame, run.depthMsPerFrame, run.depthMsPerFrame / 31, run.firstFrameMs,
                            run.mimiMs);
                }
            }
            double ms = median(results.stream().mapToDouble(Run::msPerFrame).toArray());
            double steady = median(results.stream().mapToDouble(r -> r.steadyMsPerFrame).toArray());
            double backbone = median(results.stream().mapToDouble(r -> r.backboneMsPerFrame).toArray());
            double depth = median(results.stream().mapToDouble(r -> r.depthMsPerFrame).toArray());
            double mimi = median(results.stream().mapToDouble(r -> r.mimiMs).toArray());
            double first = median(results.stream().mapToDouble(r -> r.firstFrameMs).toArray());
            double cpu = median(results.stream().mapToDouble(r -> r.cpuMsPerFrame).toArray());
            int n = results.get(0).frames;
            double rtf = (ms * n + mimi) / (n * 80.0);
            System.out.printf(Locale.ROOT, "  median %.1f ms/frame overall, %.1f ms/frame steady (backbone %.2f, "
                    + "depth decoder %.2f = 31 x %.3f ms), first frame %.1f ms, mimi decode %.1f ms for %d frames, "
                    + "RTF %.3f (synthesis time / audio time, incl. Mimi), cpu %.1f ms/frame%n", ms, steady, backbone,
                    depth, depth / 31, first, mimi, n, rtf, cpu);
            if (json != null) {
                Files.writeString(json, String.format(Locale.ROOT, "{\"model\": \"%s\", \"frames\": %d, "
                        + "\"prompt_tokens\": %d, \"threads\": %d, \"runs\": %d, \"median_ms_per_frame\": %.3f, "
                        + "\"median_steady_ms_per_frame\": %.3f, \"median_backbone_ms_per_frame\": %.3f, "
                        + "\"median_depth_ms_per_frame\": %.3f, \"median_first_frame_ms\": %.3f, "
                        + "\"median_mimi_ms\": %.3f, \"rtf\": %.4f, \"median_cpu_ms_per_frame\": %.3f, "
                        + "\"runs_ms_per_frame\": %s}%n",
                        engine.info().modelName(), n, promptTokens, threads, runs, ms, steady, backbone, depth, first,
                        mimi, rtf, cpu, Arrays.toString(results.stream().mapToDouble(Run::msPerFrame).toArray())));
            }
        }
    }

    private static Run timeOnce(CsmEngine engine, SpeechPrompt prompt) {
        Timer timer = new Timer();
        long c0 = processCpuNanos();
        timer.last = System.nanoTime();
        long t0 = timer.last;
        List<Long> frameStamps = new ArrayList<>();
        GeneratedCodes codes = engine.generateCodes(prompt, new SynthesisControl() {
            @Override
            public void onFrame(int framesDone) {
                frameStamps.add(System.nanoTime());
            }
        }, timer);
        long t1 = System.nanoTime();
        long c1 = processCpuNanos();
        engine.decodeAudio(codes.audioFrames());
        long t2 = System.nanoTime();
        Run run = new Run();
        run.frames = codes.frames().size();
        run.totalMs = (t1 - t0) / 1e6;
        run.firstFrameMs = (frameStamps.get(0) - t0) / 1e6;
        run.steadyMsPerFrame = run.frames > 1
                ? (frameStamps.get(run.frames - 1) - frameStamps.get(0)) / 1e6 / (run.frames - 1) : run.totalMs;
        // frame 0's backbone call is the prompt prefill: the per-frame split counts frames 1.. only
        run.backboneMsPerFrame = run.frames > 1 ? timer.backboneNs / 1e6 / (run.frames - 1) : 0;
        run.depthMsPerFrame = timer.depthNs / 1e6 / run.frames;
        run.mimiMs = (t2 - t1) / 1e6;
        run.cpuMsPerFrame = (c1 - c0) / 1e6 / run.frames;
        return run;
    }

    /** Splits the loop's time by the event that ends each interval (the graph call just made, plus sampling). */
    private static final class Timer implements StepListener {
        long last;
        long backboneNs;
        long depthNs;

        @Override
        public void backbone(int frame, float[] logits, float[] lastHidden) {
            long now = System.nanoTime();
            if (frame > 0) {
                backboneNs += now - last;
            }
            last = now;
        }

        @Override
        public void depth(int frame, int codebook, float[] logits) {
            long now = System.nanoTime();
            depthNs += now - last;
            last = now;
        }
    }

    private static final class Run {
        int frames;
        double totalMs;
        double firstFrameMs;
        double steadyMsPerFrame;
        double backboneMsPerFrame;
        double depthMsPerFrame;
        double mimiMs;
        double cpuMsPerFrame;

        double msPerFrame() {
            return totalMs / frames;
        }
    }

    /** CPU time of the whole process (every thread, ONNX Runtime's pool included). */
    private static long processCpuNanos() {
        return ((com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory
                .getOperatingSystemMXBean()).getProcessCpuTime();
    }

    private static double median(double[] v) {
        double[] s = v.clone();
        Arrays.sort(s);
        return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
    }

    private EngineBench() {
    }
}
