package dev.csmpipeline.model.audio;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

class ResamplerTest {

    private static float[] sine(double hz, int rate, int n, double amplitude) {
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = (float) (amplitude * Math.sin(2 * Math.PI * hz * i / rate));
        }
        return x;
    }

    /** Amplitude of frequency {@code hz} in {@code x} (a single-bin DFT over the middle, away from the edges). */
    private static double level(float[] x, double hz, int rate) {
        int from = x.length / 4;
        int to = 3 * x.length / 4;
        double re = 0;
        double im = 0;
        for (int i = from; i < to; i++) {
            re += x[i] * Math.cos(2 * Math.PI * hz * i / rate);
            im += x[i] * Math.sin(2 * Math.PI * hz * i / rate);
        }
        return 2 * Math.hypot(re, im) / (to - from);
    }

    @Test
    void outputLengthFollowsTheRateRatio() {
        assertThat(Resampler.resample(new float[44_100], 44_100, 24_000)).hasSize(24_000);
        assertThat(Resampler.resample(new float[16_000], 16_000, 24_000)).hasSize(24_000);
        assertThat(Resampler.resample(new float[48_001], 48_000, 24_000)).hasSize(24_001); // round(24000.5)
    }

    @Test
    void aToneKeepsItsFrequencyAndLevelWhenDownsampled() {
        float[] y = Resampler.resample(sine(1_000, 44_100, 44_100, 0.5), 44_100, 24_000);
        assertThat(level(y, 1_000, 24_000)).isCloseTo(0.5, within(0.005));
    }

    @Test
    void aToneKeepsItsFrequencyAndLevelWhenUpsampled() {
        float[] y = Resampler.resample(sine(440, 16_000, 16_000, 0.5), 16_000, 24_000);
        assertThat(level(y, 440, 24_000)).isCloseTo(0.5, within(0.005));
    }

    @Test
    void aToneAboveTheNewNyquistIsRemovedNotFoldedBack() {
        // 15 kHz at 48 kHz would alias to 9 kHz at 24 kHz without the low-pass
        float[] y = Resampler.resample(sine(15_000, 48_000, 48_000, 0.5), 48_000, 24_000);
        assertThat(level(y, 9_000, 24_000)).isLessThan(0.001);
    }

    @Test
    void theSameRateIsACopy() {
        float[] x = sine(100, 24_000, 100, 0.3);
        assertThat(Resampler.resample(x, 24_000, 24_000)).containsExactly(x).isNotSameAs(x);
    }
}
