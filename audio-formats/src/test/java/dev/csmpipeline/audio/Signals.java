package dev.csmpipeline.audio;

import dev.csmpipeline.model.audio.Wav;
import java.util.Random;

/** Test audio and the measures that compare decoded audio with it. */
final class Signals {

    static final int RATE = 24_000;

    private Signals() {
    }

    /**
     * Voice-like test audio: a 110-150 Hz glottal pitch with vibrato, harmonics to 4 kHz shaped by two formants,
     * syllable-rate loudness, a little breath noise.
     */
    static float[] voiceLike(double seconds, long seed) {
        Random noise = new Random(seed);
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

    static byte[] wav(float[] pcm) {
        return Wav.encode(pcm, RATE);
    }

    static short[] pcm16(float[] pcm) {
        short[] s = new short[pcm.length];
        for (int i = 0; i < pcm.length; i++) {
            s[i] = Wav.toPcm16(pcm[i]);
        }
        return s;
    }

    /** Halves the sample rate: a 127-tap Hann-windowed sinc low-pass at 0.45 of the new rate, zero phase. */
    static short[] decimateBy2(short[] in) {
        int half = 63;
        double cutoff = 0.45 * 0.5; // of the input rate
        double[] taps = new double[2 * half + 1];
        double sum = 0;
        for (int k = -half; k <= half; k++) {
            double sinc = k == 0 ? 2 * cutoff : Math.sin(2 * Math.PI * cutoff * k) / (Math.PI * k);
            double window = 0.5 + 0.5 * Math.cos(Math.PI * k / (half + 1));
            taps[k + half] = sinc * window;
            sum += taps[k + half];
        }
        short[] out = new short[in.length / 2];
        for (int i = 0; i < out.length; i++) {
            double acc = 0;
            for (int k = -half; k <= half; k++) {
                int j = 2 * i + k;
                if (j >= 0 && j < in.length) {
                    acc += taps[k + half] / sum * in[j];
                }
            }
            out[i] = (short) Math.max(Short.MIN_VALUE, Math.min(Short.MAX_VALUE, Math.round(acc)));
        }
        return out;
    }

    /** The lag of {@code decoded} behind {@code reference} (0 to maxLag samples) with the highest correlation. */
    static int lag(short[] reference, short[] decoded, int maxLag) {
        int best = 0;
        double bestScore = Double.NEGATIVE_INFINITY;
        int window = Math.min(reference.length, 24_000);
        for (int lag = 0; lag <= maxLag; lag++) {
            double score = 0;
            for (int i = 0; i < window && i + lag < decoded.length; i++) {
                score += (double) reference[i] * decoded[i + lag];
            }
            if (score > bestScore) {
                bestScore = score;
                best = lag;
            }
        }
        return best;
    }

    /** Signal-to-noise ratio in dB of {@code decoded} (shifted back by {@code lag}) against {@code reference}. */
    static double snrDb(short[] reference, short[] decoded, int lag) {
        double signal = 0;
        double error = 0;
        for (int i = 0; i < reference.length; i++) {
            double r = reference[i];
            double d = i + lag < decoded.length ? decoded[i + lag] : 0;
            signal += r * r;
            error += (r - d) * (r - d);
        }
        return 10 * Math.log10(signal / Math.max(error, 1e-9));
    }
}
