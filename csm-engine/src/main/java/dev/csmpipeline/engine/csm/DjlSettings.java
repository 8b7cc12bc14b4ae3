package dev.csmpipeline.engine.csm;

import java.nio.file.Path;

/**
 * Keeps DJL (the tokenizer's JNI wrapper) offline and silent: no telemetry, no downloads, its native-library cache
 * in a folder we choose. Must run before any DJL class loads; {@link PromptTokenizer} calls it first.
 */
final class DjlSettings {

    private DjlSettings() {
    }

    static synchronized void apply() {
        System.setProperty("OPT_OUT_TRACKING", "true");
        System.setProperty("ai.djl.offline", "true");
        if (System.getProperty("DJL_CACHE_DIR") == null && System.getenv("DJL_CACHE_DIR") == null) {
            Path cache = Path.of(System.getProperty("java.io.tmpdir"), "csm-engine-djl");
            System.setProperty("DJL_CACHE_DIR", cache.toString());
        }
    }
}
