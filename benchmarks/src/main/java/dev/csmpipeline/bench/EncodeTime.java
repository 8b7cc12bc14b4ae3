package dev.csmpipeline.bench;

import dev.csmpipeline.audio.AudioEncoders;
import dev.csmpipeline.audio.DeliveryFormat;
import dev.csmpipeline.engine.BundledModels;
import dev.csmpipeline.engine.CsmEngine;
import dev.csmpipeline.engine.EngineOptions;
import dev.csmpipeline.engine.SpeechPrompt;
import dev.csmpipeline.engine.Synthesis;
import dev.csmpipeline.engine.SynthesisControl;
import dev.csmpipeline.model.audio.Wav;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * Encode time per minute of audio for each delivery format, as a fraction of synthesis time per minute of audio.
 * The baseline runs in this process: the tiny bundled model synthesizing one minute (750 frames). For the mid model
 * the synthesis time per minute comes from docs/BENCHMARKS.md's engine figures (passed as an argument), since the mid
 * bundle is not exported on every machine. Each format encodes two inputs of one minute: the tiny model's output
 * (noise-like, not speech) and a voice-like test signal (pitch, harmonics, formants, syllable-rate loudness).
 *
 * <p>Usage: {@code EncodeTime [runs=5] [warmup=2] [mid_ms_per_audio_minute=153800] [threads=1]}
 */
public final class EncodeTime {

    private static final int RATE = 24_000;
    private static final int FRAMES_PER_MINUTE = 750; // 80 ms a frame

    private EncodeTime() {
    }

    public static void main(String[] args) throws Exception {
        int runs = args.length > 0 ? Integer.parseInt(args[0]) : 5;
        int warmup = args.length > 1 ? Integer.parseInt(args[1]) : 2;
        double midMsPerMinute = args.length > 2 ? Double.parseDouble(args[2]) : 153_800; // docs/BENCHMARKS.md
        int threads = args.length > 3 ? Integer.parseInt(args[3]) : 1;

        double tinyMsPerMinute;
        byte[] tinyWav;
        try (CsmEngine engine = CsmEngine.load(BundledModels.tinyRandom(), EngineOptions.cpu(threads))) {
            SpeechPrompt prompt = new SpeechPrompt("A minute of speech for the encoder benchmark.", 0,
                    FRAMES_PER_MINUTE, 0.9, 50, 42);
            List<Double> synth = new ArrayList<>();
            Synthesis last = null;
            for (int i = 0; i < warmup + runs; i++) {
                long t0 = System.nanoTime();
                last = engine.synthesize(prompt, SynthesisControl.NONE);
                double ms = (System.nanoTime() - t0) / 1e6;
                if (i >= warmup) {
                    synth.add(ms * 60_000.0 / (last.pcm().length * 1000.0 / RATE));
                }
            }
            tinyMsPerMinute = Stats.median(synth);
            tinyWav = Wav.encode(last.pcm(), RATE);
            System.out.printf("tiny model synthesis: %.0f ms per audio minute (median of %d; %d frames a run, "
                    + "%d thread(s))%n", tinyMsPerMinute, runs, last.frames(), threads);
        }
        byte[] voiceWav = Wav.encode(voiceLike(60.0), RATE);
        System.out.printf("mid model synthesis (docs/BENCHMARKS.md): %.0f ms per audio minute%n%n", midMsPerMinute);

        System.out.println("| format | input | encode ms per audio minute (median) | runs (ms) | size per minute "
                + "| / tiny synthesis | / mid synthesis |");
        System.out.println("| --- | --- | --- | --- | --- | --- | --- |");
        for (DeliveryFormat format : DeliveryFormat.values()) {
            for (String input : List.of("tiny-model output", "voice-like signal")) {
                byte[] wav = input.startsWith("tiny") ? tinyWav : voiceWav;
                double minutes = Wav.read(wav).samples() / (RATE * 60.0);
                List<Double> times = new ArrayList<>();
                int bytes = 0;
                for (int i = 0; i < warmup + runs; i++) {
                    long t0 = System.nanoTime();
                    // WAV is served as stored: time the streaming copy the API does for any stored file
                    byte[] out = format == DeliveryFormat.WAV ? copy(wav) : AudioEncoders.encode(wav, format);
                    double ms = (System.nanoTime() - t0) / 1e6 / minutes;
                    bytes = out.length;
                    if (i >= warmup) {
                        times.add(ms);
                    }
                }
                double median = Stats.median(times);
                System.out.printf("| %s | %s | %.1f | %s | %.0f KB | %.4f | %.5f |%n", format.wireName(), input,
                        median, times.stream().map(t -> String.format("%.1f", t)).toList(),
                        bytes / minutes / 1000.0, median / tinyMsPerMinute, median / midMsPerMinute);
            }
        }
    }

    private static byte[] copy(byte[] wav) throws java.io.IOException {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream(wav.length);
        AudioEncoders.transcode(new java.io.ByteArrayInputStream(wav), DeliveryFormat.WAV, out);
        return out.toByteArray();
    }

    /** The voice-like test signal of the audio-formats tests: pitch with vibrato, formant-shaped harmonics. */
    static float[] voiceLike(double seconds) {
        Random noise = new Random(7);
        int n = (int) Math.round(seconds * RATE);
        float[] pcm = new float[n];
        double phase = 0;
        for (int i = 0; i < n; i++) {
            double t = i / (double) RATE;
            double f0 = 130 + 20 * Math.sin(2 * Math.PI * 0.7 * t) + 3 * Math.sin(2 * Math.PI * 5 * t);
            phase += 2 * Math.PI * f0 / RATE;
            double v = 0;
            for (int k = 1; k * f0 < 4_000; k++) {
                double f = k * f0;
                double formants = 1 / (1 + Math.pow((f - 700) / 300, 2)) + 0.6 / (1 + Math.pow((f - 1_800) / 400, 2));
                v += formants / k * Math.sin(k * phase);
            }
            double syllables = 0.55 + 0.45 * Math.sin(2 * Math.PI * 3.1 * t);
            pcm[i] = (float) (0.35 * syllables * v + 0.01 * noise.nextGaussian());
        }
        return pcm;
    }
}
