package dev.csmpipeline.ingest.sync;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

class TimeStretchTest {

    private static final int RATE = 24_000;

    private static float[] tone(double hz, double seconds) {
        float[] pcm = new float[(int) (RATE * seconds)];
        for (int i = 0; i < pcm.length; i++) {
            pcm[i] = (float) (0.5 * Math.sin(2 * Math.PI * hz * i / RATE));
        }
        return pcm;
    }

    /** Frequency estimated from zero crossings, away from the edges. */
    private static double frequency(float[] pcm) {
        int from = pcm.length / 10;
        int to = pcm.length - from;
        int crossings = 0;
        for (int i = from + 1; i < to; i++) {
            if ((pcm[i - 1] < 0) != (pcm[i] < 0)) {
                crossings++;
            }
        }
        return crossings / 2.0 / ((to - from) / (double) RATE);
    }

    @ParameterizedTest
    @ValueSource(doubles = {0.5, 0.75, 1.5, 2.0, 4.0})
    void lengthScalesInverselyWithSpeed(double speed) {
        float[] in = tone(200, 2.0);
        assertThat(TimeStretch.stretch(in, RATE, speed).length).isEqualTo((int) Math.round(in.length / speed));
    }

    @ParameterizedTest
    @ValueSource(doubles = {0.5, 2.0})
    void pitchIsKept(double speed) {
        assertThat(frequency(TimeStretch.stretch(tone(200, 2.0), RATE, speed))).isCloseTo(200, within(6.0));
    }

    @Test
    void speedOneReturnsTheSamplesUnchanged() {
        float[] in = tone(300, 0.5);
        assertThat(TimeStretch.stretch(in, RATE, 1.0)).containsExactly(in);
    }

    @Test
    void amplitudeStaysInRange() {
        float[] out = TimeStretch.stretch(tone(150, 1.0), RATE, 1.7);
        for (float s : out) {
            assertThat(Math.abs(s)).isLessThanOrEqualTo(0.51f);
        }
    }
}
