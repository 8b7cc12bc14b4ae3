package dev.csmpipeline.engine.bench;

import dev.csmpipeline.engine.BundledModels;
import dev.csmpipeline.engine.ContextSegment;
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
 * CPU benchmark of a voice prompt's cost per job (not a test): a synthetic clip of {@code --voice-seconds} is encoded
 * once with the engine's Mimi encoder; then {@code --prefill-runs} times, interleaved, the prompt prefill (from the
 * call to the backbone's first logits: prompt building and the one backbone call over all prompt positions) without
 * context (a) and with the voice as a context segment (b); then {@code --runs} times, interleaved, a whole job of
 * {@code --frames} frames (generation + Mimi decode) without (c) and with (d) the voice. Warm-up runs first, then
 * medians; the voice's share of a job is {@code (b - a) / c}. Command in docs/BENCHMARKS.md.
 *
 * <pre>
 * java ... dev.csmpipeline.engine.bench.VoicePromptBench [--model DIR|tiny] [--voice-seconds 10] [--frames 62]
 *     [--prefill-runs 15] [--runs 3] [--warmup 1] [--threads 2] [--json out.json]
 * </pre>
 */
public final class VoicePromptBench {

    private static final String TRANSCRIPT = "This is the reference recording of my voice for the voice library, read "
            + "slowly and clearly so that every later sentence sounds like me.";
    private static final String UTTERANCE = "Hello from Sesame. This is a benchmark of the speech engine.";

    public static void main(String[] args) throws Exception {
        String model = "tiny";
        double voiceSeconds = 10;
        int frames = 62;
        int runs = 3;
        int prefillRuns = 15;
        int warmup = 1;
        int threads = 2;
        Path json = null;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--model" -> model = args[++i];
                case "--voice-seconds" -> voiceSeconds = Double.parseDouble(args[++i]);
                case "--frames" -> frames = Integer.parseInt(args[++i]);
                case "--runs" -> runs = Integer.parseInt(args[++i]);
                case "--prefill-runs" -> prefillRuns = Integer.parseInt(args[++i]);
                case "--warmup" -> warmup = Integer.parseInt(args[++i]);
                case "--threads" -> threads = Integer.parseInt(args[++i]);
                case "--json" -> json = Path.of(args[++i]);
                default -> throw new IllegalArgumentException("unknown argument " + args[i]);
            }
        }
        Path dir = model.equals("tiny") ? BundledModels.tinyRandom() : Path.of(model);
        try (CsmEngine engine = CsmEngine.load(dir, EngineOptions.cpu(threads))) {
            float[] clip = syntheticVoice((int) Math.round(voiceSeconds * engine.info().sampleRate()),
                    engine.info().sampleRate());
            List<Double> encodeMs = new ArrayList<>();
            List<int[]> codes = null;
            for (int r = 0; r < warmup + runs; r++) {
                long t0 = System.nanoTime();
                codes = engine.encodeAudio(clip);
                if (r >= warmup) {
                    encodeMs.add((System.nanoTime() - t0) / 1e6);
                }
            }
            SpeechPrompt plain = new SpeechPrompt(UTTERANCE, 0, frames, 0.0, 1, 0L);
            SpeechPrompt voiced = plain.withContext(List.of(new ContextSegment(0, TRANSCRIPT, codes)), false);
            SpeechPrompt plainFirst = new SpeechPrompt(UTTERANCE, 0, 1, 0.0, 1, 0L);
            SpeechPrompt voicedFirst = plainFirst.withContext(voiced.context(), false);
            int plainPositions = engine.buildPrompt(plain).positions();
            int voicedPositions = engine.buildPrompt(voiced).positions();
            System.out.printf(Locale.ROOT, "voice prompt bench: model=%s voice=%.1f s (%d frames, %d context "
                    + "positions) utterance positions=%d job=%d frames runs=%d warmup=%d threads=%d%n",
                    engine.info().modelName(), voiceSeconds, codes.size(), voicedPositions - plainPositions,
                    plainPositions, frames, runs, warmup, threads);
            double[][] t = new double[4][];
            t[0] = new double[prefillRuns];
            t[1] = new double[prefillRuns];
            for (int r = 0; r < warmup + prefillRuns; r++) {
                double a = prefillMs(engine, plainFirst);
                double b = prefillMs(engine, voicedFirst);
                if (r >= warmup) {
                    t[0][r - warmup] = a;
                    t[1][r - warmup] = b;
                }
            }
            System.out.printf(Locale.ROOT, "  prefill runs: plain %s ms, with voice %s ms%n", fmt(t[0]), fmt(t[1]));
            t[2] = new double[runs];
            t[3] = new double[runs];
            for (int r = 0; r < warmup + runs; r++) {
                double c = jobMs(engine, plain);
                double d = jobMs(engine, voiced);
                if (r >= warmup) {
                    t[2][r - warmup] = c;
                    t[3][r - warmup] = d;
                    System.out.printf(Locale.ROOT, "  job run %d: %.0f ms plain, %.0f ms with voice%n", r - warmup, c,
                            d);
                }
            }
            double enc = median(encodeMs.stream().mapToDouble(Double::doubleValue).toArray());
            double a = median(t[0]);
            double b = median(t[1]);
            double c = median(t[2]);
            double d = median(t[3]);
            double share = (b - a) / c;
            System.out.printf(Locale.ROOT, "  median: encode %.1f ms (once per voice); prefill %.1f ms plain, "
                    + "%.1f ms with voice (+%.1f ms for %d more positions); job of %d frames %.0f ms plain, "
                    + "%.0f ms with voice (ratio %.3f); voice prefill = %.1f%% of a plain job%n", enc, a, b, b - a,
                    voicedPositions - plainPositions, frames, c, d, d / c, 100 * share);
            if (json != null) {
                Files.writeString(json, String.format(Locale.ROOT, "{\"model\": \"%s\", \"voice_seconds\": %.1f, "
                        + "\"voice_frames\": %d, \"context_positions\": %d, \"utterance_positions\": %d, "
                        + "\"job_frames\": %d, \"runs\": %d, \"warmup\": %d, \"threads\": %d, "
                        + "\"median_encode_ms\": %.2f, \"median_prefill_ms_plain\": %.2f, "
                        + "\"median_prefill_ms_voice\": %.2f, \"median_job_ms_plain\": %.1f, "
                        + "\"median_job_ms_voice\": %.1f, \"voice_prefill_share_of_job\": %.4f, "
                        + "\"runs_prefill_plain\": %s, \"runs_prefill_voice\": %s, \"runs_job_plain\": %s, "
                        + "\"runs_job_voice\": %s}%n", engine.info().modelName(), voiceSeconds, codes.size(),
                        voicedPositions - plainPositions, plainPositions, frames, runs, warmup, threads, enc, a, b, c,
                        d, share, Arrays.toString(t[0]), Arrays.toString(t[1]), Arrays.toString(t[2]),
                        Arrays.toString(t[3])));
            }
        }
    }

    /** From the call to the backbone's first logits: prompt building and the prefill over every prompt position. */
    private static double prefillMs(CsmEngine engine, SpeechPrompt prompt) {
        long[] firstLogits = new long[1];
        long t0 = System.nanoTime();
        GeneratedCodes codes = engine.generateCodes(prompt, SynthesisControl.NONE, new StepListener() {
            @Override
            public void backbone(int frame, float[] logits, float[] lastHidden) {
                if (frame == 0) {
                    firstLogits[0] = System.nanoTime();
                }
            }
        });
        if (codes.frames().size() != 1) {
            throw new IllegalStateException("expected one frame");
        }
        return (firstLogits[0] - t0) / 1e6;
    }

    private static String fmt(double[] v) {
        StringBuilder b = new StringBuilder("[");
        for (int i = 0; i < v.length; i++) {
            b.append(i == 0 ? "" : ", ").append(String.format(Locale.ROOT, "%.1f", v[i]));
        }
        return b.append(']').toString();
    }

    /** A whole job: generation and Mimi decode. */
    private static double jobMs(CsmEngine engine, SpeechPrompt prompt) {
        long t0 = System.nanoTime();
        engine.synthesize(prompt, SynthesisControl.NONE);
        return (System.nanoTime() - t0) / 1e6;
    }

    /** Three harmonics of a slowly gliding pitch with a syllable-rate envelope: speech-like, deterministic. */
    static float[] syntheticVoice(int samples, int sampleRate) {
        float[] out = new float[samples];
        double phase = 0;
        for (int i = 0; i < samples; i++) {
            double t = (double) i / sampleRate;
            double f0 = 120 + 30 * Math.sin(2 * Math.PI * 0.3 * t);
            phase += 2 * Math.PI * f0 / sampleRate;
            double envelope = 0.5 - 0.5 * Math.cos(2 * Math.PI * 4 * t);
            out[i] = (float) (0.3 * envelope * (Math.sin(phase) + 0.5 * Math.sin(2 * phase) + 0.25 * Math.sin(3 * phase)));
        }
        return out;
    }

    private static double median(double[] v) {
        double[] s = v.clone();
        Arrays.sort(s);
        return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
    }

    private VoicePromptBench() {
    }
}
