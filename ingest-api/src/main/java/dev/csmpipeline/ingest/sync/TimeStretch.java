package dev.csmpipeline.ingest.sync;

/**
 * Changes the tempo of speech without changing its pitch (WSOLA: waveform-similarity overlap-add). Each output
 * window is taken from near its nominal input position, shifted within a small tolerance to the offset that best
 * continues the previous window, and overlap-added with a Hann window. Used for OpenAI's {@code speed}.
 */
public final class TimeStretch {

    private TimeStretch() {
    }

    /**
     * @param pcm   mono samples
     * @param speed tempo factor: 2.0 is twice as fast (half as long), 0.5 twice as slow
     */
    public static float[] stretch(float[] pcm, int sampleRate, double speed) {
        if (speed == 1.0 || pcm.length == 0) {
            return pcm.clone();
        }
        int window = Integer.highestOneBit(Math.max(256, sampleRate / 25)); // ~40 ms, power of two
        int synthesisHop = window / 2;
        double analysisHop = synthesisHop * speed;
        int tolerance = window / 4;
        int outLength = (int) Math.round(pcm.length / speed);
        float[] out = new float[outLength + window];
        float[] weight = new float[outLength + window];
        float[] hann = hann(window);

        int previous = 0; // input position of the previous window
        for (int k = 0; ; k++) {
            int outPos = k * synthesisHop;
            if (outPos >= outLength) {
                break;
            }
            int nominal = (int) Math.round(k * analysisHop);
            int chosen = k == 0 ? 0 : bestOffset(pcm, previous + synthesisHop, nominal, tolerance, window);
            for (int i = 0; i < window; i++) {
                int in = chosen + i;
                float sample = in >= 0 && in < pcm.length ? pcm[in] : 0f;
                out[outPos + i] += sample * hann[i];
                weight[outPos + i] += hann[i];
            }
            previous = chosen;
        }
        float[] result = new float[outLength];
        for (int i = 0; i < outLength; i++) {
            result[i] = weight[i] > 1e-3f ? out[i] / weight[i] : out[i];
        }
        return result;
    }

    /** The input position within {@code nominal ± tolerance} whose window best matches the natural continuation. */
    private static int bestOffset(float[] pcm, int continuation, int nominal, int tolerance, int window) {
        int best = nominal;
        double bestScore = Double.NEGATIVE_INFINITY;
        int compare = window / 2;
        for (int candidate = nominal - tolerance; candidate <= nominal + tolerance; candidate += 2) {
            if (candidate < 0) {
                continue;
            }
            double score = 0;
            for (int i = 0; i < compare; i++) {
                int a = continuation + i;
                int b = candidate + i;
                if (a >= pcm.length || b >= pcm.length) {
                    break;
                }
                score += pcm[a] * pcm[b];
            }
            if (score > bestScore) {
                bestScore = score;
                best = candidate;
            }
        }
        return best;
    }

    private static float[] hann(int n) {
        float[] w = new float[n];
        for (int i = 0; i < n; i++) {
            w[i] = (float) (0.5 - 0.5 * Math.cos(2 * Math.PI * i / n));
        }
        return w;
    }
}
