package dev.csmpipeline.model.audio;

/**
 * Band-limited sample-rate conversion of mono audio: windowed-sinc interpolation (a Kaiser window, beta 8.6, 32
 * zero crossings each side), with the cut-off at 0.95 of the lower Nyquist frequency so that downsampling does not
 * alias. Each output sample {@code y[n]} at input time {@code t = n * in / out} is
 * {@code sum_k x[k] * c * sinc(c * (t - k)) * kaiser((t - k) / halfWidth)}, {@code c = cutoff / max(1, in / out)}.
 * The JDK's sound library converts encodings but not rates, and no well-kept Java resampler is on Maven Central;
 * this one is tested against pure tones (ResamplerTest: frequency kept, level kept, no aliasing).
 */
public final class Resampler {

    private static final int ZERO_CROSSINGS = 32;
    private static final double KAISER_BETA = 8.6;
    private static final double CUTOFF = 0.95;

    private Resampler() {
    }

    /** {@code x} at {@code fromRate} converted to {@code toRate}: {@code round(x.length * toRate / fromRate)} samples. */
    public static float[] resample(float[] x, int fromRate, int toRate) {
        if (fromRate <= 0 || toRate <= 0) {
            throw new IllegalArgumentException("sample rates must be positive, were " + fromRate + " and " + toRate);
        }
        if (fromRate == toRate) {
            return x.clone();
        }
        double step = (double) fromRate / toRate; // input samples per output sample
        double scale = Math.max(1.0, step); // widen the kernel when downsampling
        double c = CUTOFF / scale; // cut-off in cycles per input sample, times 2
        double halfWidth = ZERO_CROSSINGS * scale;
        double i0Beta = besselI0(KAISER_BETA);
        int n = (int) Math.round(x.length / step);
        float[] y = new float[n];
        for (int o = 0; o < n; o++) {
            double t = o * step;
            int first = (int) Math.ceil(t - halfWidth);
            int last = (int) Math.floor(t + halfWidth);
            double acc = 0;
            for (int k = Math.max(0, first); k <= Math.min(x.length - 1, last); k++) {
                double d = t - k;
                acc += x[k] * c * sinc(c * d) * kaiser(d / halfWidth, i0Beta);
            }
            y[o] = (float) acc;
        }
        return y;
    }

    private static double sinc(double v) {
        if (Math.abs(v) < 1e-12) {
            return 1.0;
        }
        double p = Math.PI * v;
        return Math.sin(p) / p;
    }

    /** Kaiser window at {@code r} in [-1, 1]. */
    private static double kaiser(double r, double i0Beta) {
        if (r <= -1 || r >= 1) {
            return 0;
        }
        return besselI0(KAISER_BETA * Math.sqrt(1 - r * r)) / i0Beta;
    }

    /** Modified Bessel function of the first kind, order 0 (power series). */
    private static double besselI0(double v) {
        double sum = 1;
        double term = 1;
        double q = v * v / 4;
        for (int k = 1; k < 50; k++) {
            term *= q / (k * (double) k);
            sum += term;
            if (term < sum * 1e-16) {
                break;
            }
        }
        return sum;
    }
}
