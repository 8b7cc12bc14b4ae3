package dev.csmpipeline.engine;

/**
 * What an engine runs.
 *
 * @param modelName  name of the model, e.g. {@code sesame/csm-1b} or {@code tiny-random}
 * @param modelKind  {@code pretrained}, {@code random-init}, {@code tiny-random} or {@code fixed-cost-standin}
 * @param device     execution device, e.g. {@code cpu} or {@code cuda:0}
 * @param sampleRate samples per second of the audio it produces
 */
public record EngineInfo(String modelName, String modelKind, String device, int sampleRate) {

    /** True when the output is not speech (random weights or a stand-in). */
    public boolean producesNoSpeech() {
        return !"pretrained".equals(modelKind);
    }
}
