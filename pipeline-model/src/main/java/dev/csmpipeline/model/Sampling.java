package dev.csmpipeline.model;

/**
 * Sampling of each codebook: temperature, then top-k. Temperature 0 or top-k 1 means argmax.
 *
 * @param temperature softmax temperature, in [0, 2]
 * @param topK        number of best ids kept before sampling, in [1, 2051]
 * @param seed        seed of the random generator; null draws one, so the same seed gives the same audio
 */
public record Sampling(Double temperature, Integer topK, Long seed) {

    /** CSM's defaults: temperature 0.9, top-k 50. */
    public static final double DEFAULT_TEMPERATURE = 0.9;
    public static final int DEFAULT_TOP_K = 50;

    public static Sampling defaults() {
        return new Sampling(DEFAULT_TEMPERATURE, DEFAULT_TOP_K, null);
    }

    /** This sampling with unset fields taken from the defaults. */
    public Sampling withDefaults() {
        return new Sampling(temperature == null ? DEFAULT_TEMPERATURE : temperature,
                topK == null ? DEFAULT_TOP_K : topK, seed);
    }

    /** True when sampling reduces to picking the best id. */
    public boolean isGreedy() {
        Sampling s = withDefaults();
        return s.temperature() == 0.0 || s.topK() == 1;
    }
}
