package dev.csmpipeline.engine.bench;

import dev.csmpipeline.engine.CsmEngine;
import dev.csmpipeline.engine.EngineOptions;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * CPU benchmark of the streaming Mimi decoder against the one-shot decoder (not a test): {@code --frames} frames of
 * random codes, decoded {@code --runs} times each way, interleaved (one-shot, then chunks of each size of
 * {@code --chunks}), after {@code --warmup} rounds; medians. Per frame: decode wall time / frames; ratio: streamed /
 * one-shot. The first chunk's decode time is what a caller waits for after the chunk's last frame is generated.
 * Command in docs/BENCHMARKS.md ("Streaming Mimi decode").
 *
 * <pre>
 * java ... dev.csmpipeline.engine.bench.StreamingMimiBench [--model DIR|tiny] [--frames 62] [--chunks 1,2,5,10]
 *     [--runs 5] [--warmup 1] [--threads 2] [--json out.json]
 * </pre>
 */
public final class StreamingMimiBench {

    public static void main(String[] args) throws Exception {
        String model = "tiny";
        int frames = 62;
        int[] chunks = {1, 2, 5, 10};
        int runs = 5;
        int warmup = 1;
        int threads = 2;
        Path json = null;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--model" -> model = args[++i];
                case "--frames" -> frames = Integer.parseInt(args[++i]);
                case "--chunks" -> chunks = Arrays.stream(args[++i].split(",")).mapToInt(Integer::parseInt).toArray();
                case "--runs" -> runs = Integer.parseInt(args[++i]);
                case "--warmup" -> warmup = Integer.parseInt(args[++i]);
                case "--threads" -> threads = Integer.parseInt(args[++i]);
                case "--json" -> json = Path.of(args[++i]);
                default -> throw new IllegalArgumentException("unknown argument " + args[i]);
            }
        }
        Path dir = model.equals("tiny") ? dev.csmpipeline.engine.TinyStreamBundle.path() : Path.of(model);
        List<int[]> codes = randomFrames(frames);
        try (CsmEngine engine = CsmEngine.load(dir, EngineOptions.cpu(threads))) {
            if (!engine.canStream()) {
                throw new IllegalStateException(dir + " has no mimi_decoder_stream graph: re-export it");
            }
            double[][] ms = new double[chunks.length + 1][runs];
            double[][] firstMs = new double[chunks.length][runs];
            for (int r = -warmup; r < runs; r++) {
                long t0 = System.nanoTime();
                engine.decodeAudio(codes);
                double oneShot = (System.nanoTime() - t0) / 1e6;
                if (r >= 0) {
                    ms[0][r] = oneShot;
                }
                for (int c = 0; c < chunks.length; c++) {
                    long t1 = System.nanoTime();
                    engine.decodeAudioStreamed(codes.subList(0, chunks[c]), new int[] {chunks[c]});
                    double first = (System.nanoTime() - t1) / 1e6;
                    long t2 = System.nanoTime();
                    engine.decodeAudioStreamed(codes, new int[] {chunks[c]});
                    double all = (System.nanoTime() - t2) / 1e6;
                    if (r >= 0) {
                        ms[c + 1][r] = all;
                        firstMs[c][r] = first;
                    }
                }
            }
            double base = median(ms[0]);
            StringBuilder out = new StringBuilder();
            out.append(String.format(Locale.ROOT, "{\"model\":\"%s\",\"frames\":%d,\"runs\":%d,\"threads\":%d,"
                    + "\"one_shot_ms\":%.2f,\"one_shot_ms_per_frame\":%.3f,\"streamed\":[", model, frames, runs,
                    threads, base, base / frames));
            System.out.printf(Locale.ROOT, "model=%s frames=%d one-shot: %.1f ms (%.3f ms/frame)%n", model, frames,
                    base, base / frames);
            for (int c = 0; c < chunks.length; c++) {
                double m = median(ms[c + 1]);
                double f = median(firstMs[c]);
                System.out.printf(Locale.ROOT, "  chunks of %2d: %.1f ms (%.3f ms/frame, x%.2f one-shot), first chunk "
                        + "decode %.2f ms%n", chunks[c], m, m / frames, m / base, f);
                out.append(String.format(Locale.ROOT, "%s{\"chunk_frames\":%d,\"ms\":%.2f,\"ms_per_frame\":%.3f,"
                        + "\"ratio\":%.3f,\"first_chunk_ms\":%.2f}", c == 0 ? "" : ",", chunks[c], m, m / frames,
                        m / base, f));
            }
            out.append("]}");
            if (json != null) {
                Files.writeString(json, out + "\n");
            }
        }
    }

    private static List<int[]> randomFrames(int n) {
        SplittableRandom r = new SplittableRandom(16);
        List<int[]> frames = new ArrayList<>();
        for (int f = 0; f < n; f++) {
            frames.add(r.ints(32, 0, 2048).toArray());
        }
        return frames;
    }

    private static double median(double[] v) {
        double[] s = v.clone();
        Arrays.sort(s);
        return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
    }
}
