package dev.csmpipeline.engine.csm;

import java.util.Objects;
import java.util.random.RandomGenerator;

/**
 * Chooses one code from a row of logits (docs/BUNDLE-FORMAT.md, section 6). Temperature and top-k are composed in
 * one place, {@link TopK#choose}: {@code logits / temperature}, keep every id whose logit is at least the k-th
 * largest (ties at the boundary are kept, as transformers' and Sesame's top-k do), softmax, draw one id with the
 * injected random generator. Temperature 0 or top-k 1 is {@link #ARGMAX}: the first index of the largest logit, as
 * {@code torch.argmax}. A sampler belongs to one generation (it keeps scratch space and the random stream).
 */
public sealed interface Sampler permits Sampler.Argmax, Sampler.TopK {

    /** Greedy choice: the first index of the largest logit. */
    Sampler ARGMAX = new Argmax();

    /** The chosen id, an index into {@code logits}. */
    int choose(float[] logits);

    /**
     * The sampler for these settings: {@link #ARGMAX} when {@code temperature == 0} or {@code topK == 1}. The
     * settings come from a {@link dev.csmpipeline.engine.SpeechPrompt}, the one place that validates them.
     *
     * @param vocab ids per row of logits (the scratch space size)
     */
    static Sampler of(double temperature, int topK, RandomGenerator random, int vocab) {
        if (temperature == 0 || topK == 1) {
            return ARGMAX;
        }
        return new TopK(temperature, topK, random, vocab);
    }

    /** Index of the first maximum of {@code logits} (NaN never wins). */
    static int argmax(float[] logits) {
        int best = 0;
        float max = Float.NEGATIVE_INFINITY;
        for (int i = 0; i < logits.length; i++) {
            if (logits[i] > max) {
                max = logits[i];
                best = i;
            }
        }
        return best;
    }

    /** Argmax, first index on ties. */
    final class Argmax implements Sampler {

        private Argmax() {
        }

        @Override
        public int choose(float[] logits) {
            return argmax(logits);
        }

        @Override
        public String toString() {
            return "argmax";
        }
    }

    /** Temperature, then top-k, then a softmax draw. */
    final class TopK implements Sampler {

        private final double temperature;
        private final int topK;
        private final RandomGenerator random;
        private final float[] heap; // (top_k,) min-heap of the k largest logits seen
        private final double[] weights; // (vocab,) exp((logit - max) / temperature), 0 outside the top k

        TopK(double temperature, int topK, RandomGenerator random, int vocab) {
            this.temperature = temperature;
            this.topK = topK;
            this.random = Objects.requireNonNull(random, "random");
            this.heap = new float[Math.min(topK, vocab)];
            this.weights = new double[vocab];
        }

        @Override
        public int choose(float[] logits) {
            // dividing by the temperature keeps the order, so the top k are found on the raw logits
            float kth = kthLargest(logits);
            float max = logits[argmax(logits)];
            double sum = 0;
            for (int i = 0; i < logits.length; i++) {
                double w = logits[i] >= kth ? Math.exp((logits[i] - (double) max) / temperature) : 0.0;
                weights[i] = w;
                sum += w;
            }
            double u = random.nextDouble() * sum;
            int last = -1;
            for (int i = 0; i < logits.length; i++) {
                if (weights[i] > 0) {
                    last = i;
                    u -= weights[i];
                    if (u < 0) {
                        return i;
                    }
                }
            }
            return last; // rounding left u at (or a hair above) 0: the last kept id
        }

        /** The k-th largest value of {@code logits} (its smallest kept value), via a size-k min-heap. */
        private float kthLargest(float[] logits) {
            int k = heap.length;
            if (k >= logits.length) {
                float min = Float.POSITIVE_INFINITY;
                for (float v : logits) {
                    min = Math.min(min, v);
                }
                return min;
            }
            for (int i = 0; i < k; i++) {
                heap[i] = logits[i];
                siftUp(i);
            }
            for (int i = k; i < logits.length; i++) {
                if (logits[i] > heap[0]) {
                    heap[0] = logits[i];
                    siftDown(0, k);
                }
            }
            return heap[0];
        }

        private void siftUp(int i) {
            while (i > 0) {
                int parent = (i - 1) >>> 1;
                if (heap[parent] <= heap[i]) {
                    return;
                }
                swap(i, parent);
                i = parent;
            }
        }

        private void siftDown(int i, int n) {
            while (true) {
                int l = 2 * i + 1;
                if (l >= n) {
                    return;
                }
                int smallest = l + 1 < n && heap[l + 1] < heap[l] ? l + 1 : l;
                if (heap[i] <= heap[smallest]) {
                    return;
                }
                swap(i, smallest);
                i = smallest;
            }
        }

        private void swap(int a, int b) {
            float t = heap[a];
            heap[a] = heap[b];
            heap[b] = t;
        }

        @Override
        public String toString() {
            return "temperature=" + temperature + " top_k=" + topK;
        }
    }
}
