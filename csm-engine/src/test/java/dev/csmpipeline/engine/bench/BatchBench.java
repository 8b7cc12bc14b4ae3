package dev.csmpipeline.engine.bench;

import dev.csmpipeline.engine.BatchedEngine;
import dev.csmpipeline.engine.BundledModels;
import dev.csmpipeline.engine.CsmEngine;
import dev.csmpipeline.engine.EngineOptions;
import dev.csmpipeline.engine.SpeechPrompt;
import dev.csmpipeline.engine.SynthesisControl;
import dev.csmpipeline.engine.csm.BatchLoop;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * CPU benchmark of batched generation (not a test): aggregate frames per second and per-stream frame time at batch
 * sizes 1, 2, 4 and 8, same prompts (row i of every batch is prompt i), {@code --frames} frames per row (greedy, the
 * frame cap; a row that stops early is counted with the frames it made), in one process. Each round runs every batch
 * size once, the order rotating from round to round; {@code --warmup} rounds first, then {@code --runs} rounds and
 * medians. Steady frame time is the wall time of the steps after the first (which holds the prefills) divided by
 * those steps; aggregate frames per second = rows / steady frame time. Also reports where a frame's time goes
 * (batched backbone, depth calls with sampling, prefills, cache regroups) and this machine's memory copy bandwidth.
 * Command in docs/BENCHMARKS.md.
 *
 * <pre>
 * java ... dev.csmpipeline.engine.bench.BatchBench [--model DIR|tiny] [--frames 16] [--runs 3] [--warmup 1]
 *     [--threads 2] [--batches 1,2,4,8] [--json out.json]
 * </pre>
 */
public final class BatchBench {

    private static final String[] TEXTS = {
        "Hello from Sesame. This is a benchmark of the speech engine.",
        "Batching lets several streams share every weight read.",
        "The quick brown fox jumps over the lazy dog.",
        "How are you today? I am fine, thank you.",
        "One, two, three, four, five, six, seven.",
        "A longer sentence gives this row a longer prompt than most of the others in the batch.",
        "Short one.",
        "Every row has its own position ids and its own attention mask.",
    };

    record Run(int rows, int steps, double wallMs, double steadyFrameMs, long frames, BatchLoop.Timings timings) {
    }

    public static void main(String[] args) throws Exception {
        String model = "tiny";
        int frames = 16;
        int runs = 3;
        int warmup = 1;
        int threads = 2;
        int[] batches = {1, 2, 4, 8};
        Path json = null;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--model" -> model = args[++i];
                case "--frames" -> frames = Integer.parseInt(args[++i]);
                case "--runs" -> runs = Integer.parseInt(args[++i]);
                case "--warmup" -> warmup = Integer.parseInt(args[++i]);
                case "--threads" -> threads = Integer.parseInt(args[++i]);
                case "--batches" -> batches = Arrays.stream(args[++i].split(",")).mapToInt(Integer::parseInt).toArray();
                case "--json" -> json = Path.of(args[++i]);
                default -> throw new IllegalArgumentException("unknown argument " + args[i]);
            }
        }
        Path dir = model.equals("tiny") ? BundledModels.tinyRandom() : Path.of(model);
        double copyGBs = copyBandwidthGBs();
        try (CsmEngine engine = CsmEngine.load(dir, EngineOptions.cpu(threads))) {
            System.out.printf(Locale.ROOT, "batch bench: model=%s frames=%d runs=%d warmup=%d threads=%d batches=%s "
                    + "memcpy=%.1f GB/s (read+write)%n", engine.info().modelName(), frames, runs, warmup, threads,
                    Arrays.toString(batches), copyGBs);
            List<List<Run>> byBatch = new ArrayList<>();
            for (int b = 0; b < batches.length; b++) {
                byBatch.add(new ArrayList<>());
            }
            List<Double> singleMs = new ArrayList<>();
            for (int round = 0; round < warmup + runs; round++) {
                double single = singleRowFrameMs(engine, frames);
                System.out.printf(Locale.ROOT, "  %s single-row engine (CsmEngine.generateCodes): steady %.1f "
                        + "ms/frame%n", round < warmup ? "warm-up" : "run", single);
                if (round >= warmup) {
                    singleMs.add(single);
                }
                for (int j = 0; j < batches.length; j++) {
                    int b = (j + round) % batches.length; // rotate the order between rounds
                    Run r = run(engine, batches[b], frames);
                    System.out.printf(Locale.ROOT, "  %s batch %d: %d steps, %.0f ms, steady %.1f ms/frame, %.2f "
                            + "aggregate frames/s%n", round < warmup ? "warm-up" : "run", r.rows(), r.steps(),
                            r.wallMs(), r.steadyFrameMs(), r.rows() * 1000.0 / r.steadyFrameMs());
                    if (round >= warmup) {
                        byBatch.get(b).add(r);
                    }
                }
            }
            StringBuilder js = new StringBuilder("{\"model\": \"" + engine.info().modelName() + "\", \"frames\": "
                    + frames + ", \"threads\": " + threads + ", \"runs\": " + runs + ", \"memcpy_gb_s\": "
                    + String.format(Locale.ROOT, "%.2f", copyGBs) + ", ");
            double baseFrameMs = median(byBatch.get(0).stream().mapToDouble(Run::steadyFrameMs).toArray());
            double baseFps = batches[0] * 1000.0 / baseFrameMs;
            double singleMedian = median(singleMs.stream().mapToDouble(Double::doubleValue).toArray());
            System.out.printf(Locale.ROOT, "  median single-row engine: %.1f ms/frame (batch %d in the batch loop: "
                    + "%.2fx that)%n", singleMedian, batches[0], baseFrameMs / singleMedian);
            js.append(String.format(Locale.ROOT, "\"single_row_engine_frame_ms\": %.2f, ", singleMedian))
                    .append("\"batches\": [");
            System.out.println("  median (steady frames; prefill and first frame excluded):");
            System.out.println("  batch | frame ms (per stream) | aggregate frames/s | x batch " + batches[0]
                    + " aggregate | frame time x batch " + batches[0] + " | backbone ms | depth+sampling ms | "
                    + "prefill ms per row | regroup ms per run");
            for (int b = 0; b < batches.length; b++) {
                List<Run> rs = byBatch.get(b);
                double frameMs = median(rs.stream().mapToDouble(Run::steadyFrameMs).toArray());
                double fps = batches[b] * 1000.0 / frameMs;
                double backbone = median(rs.stream().mapToDouble(r -> r.timings().backboneNanos() / 1e6
                        / Math.max(1, r.steps() - 1)).toArray());
                double depth = median(rs.stream().mapToDouble(r -> r.timings().depthNanos() / 1e6 / r.steps())
                        .toArray());
                double prefill = median(rs.stream().mapToDouble(r -> r.timings().prefillNanos() / 1e6 / r.rows())
                        .toArray());
                double regroup = median(rs.stream().mapToDouble(r -> r.timings().regroupNanos() / 1e6).toArray());
                System.out.printf(Locale.ROOT, "  %5d | %21.1f | %18.2f | %21.2f | %20.2f | %11.1f | %17.1f | %18.1f"
                        + " | %.2f%n", batches[b], frameMs, fps, fps / baseFps, frameMs / baseFrameMs, backbone, depth,
                        prefill, regroup);
                js.append(b == 0 ? "" : ", ").append(String.format(Locale.ROOT, "{\"batch\": %d, "
                        + "\"median_frame_ms\": %.2f, \"aggregate_frames_per_s\": %.3f, \"aggregate_ratio\": %.3f, "
                        + "\"frame_time_ratio\": %.3f, \"backbone_ms\": %.2f, \"depth_and_sampling_ms\": %.2f, "
                        + "\"prefill_ms_per_row\": %.2f, \"regroup_ms\": %.3f}", batches[b], frameMs, fps,
                        fps / baseFps, frameMs / baseFrameMs, backbone, depth, prefill, regroup));
            }
            js.append("]}\n");
            if (json != null) {
                Files.createDirectories(json.toAbsolutePath().getParent());
                Files.writeString(json, js.toString());
            }
        }
    }

    /** One batch of {@code rows} rows, prompt i in row i, all joining at frame 0, run to the end. */
    private static Run run(CsmEngine engine, int rows, int frames) {
        try (BatchedEngine batch = engine.batched(rows)) {
            for (int i = 0; i < rows; i++) {
                batch.join(new SpeechPrompt(TEXTS[i % TEXTS.length], i % 2, frames, 0.0, 1, 0L), SynthesisControl.NONE);
            }
            long t0 = System.nanoTime();
            batch.step(); // prefills and the first frame
            long t1 = System.nanoTime();
            int steps = 1;
            while (batch.hasWork()) {
                batch.step();
                steps++;
            }
            long t2 = System.nanoTime();
            BatchLoop.Timings t = batch.timings();
            // the last step only drops the finished rows when every row ran to its cap
            int steadySteps = (int) t.frames() - 1;
            return new Run(rows, (int) t.frames(), (t2 - t0) / 1e6, (t2 - t1) / 1e6 / Math.max(1, steadySteps),
                    t.frames(), t);
        }
    }

    /**
     * The single-row engine's steady frame time on prompt 0: between the backbone calls of frame 1 and of the last
     * frame (the same point of every frame), over the frames between.
     */
    private static double singleRowFrameMs(CsmEngine engine, int frames) {
        long[] at = new long[frames];
        engine.generateCodes(new SpeechPrompt(TEXTS[0], 0, frames, 0.0, 1, 0L), SynthesisControl.NONE,
                new dev.csmpipeline.engine.csm.StepListener() {
                    @Override
                    public void backbone(int frame, float[] logits, float[] lastHidden) {
                        at[frame] = System.nanoTime();
                    }
                });
        int last = frames - 1;
        while (at[last] == 0) {
            last--; // stopped early
        }
        return (at[last] - at[1]) / 1e6 / Math.max(1, last - 1);
    }

    /** Memory copy bandwidth of 256 MiB arrays (bytes read plus bytes written per second), best of 5. */
    private static double copyBandwidthGBs() {
        long[] a = new long[32 << 20];
        long[] b = new long[32 << 20];
        Arrays.fill(a, 1L);
        double best = 0;
        for (int i = 0; i < 5; i++) {
            long t0 = System.nanoTime();
            System.arraycopy(a, 0, b, 0, a.length);
            double s = (System.nanoTime() - t0) / 1e9;
            best = Math.max(best, 2.0 * a.length * Long.BYTES / s / 1e9);
        }
        return best;
    }

    private static double median(double[] v) {
        double[] s = v.clone();
        Arrays.sort(s);
        int n = s.length;
        return n % 2 == 1 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
    }
}
