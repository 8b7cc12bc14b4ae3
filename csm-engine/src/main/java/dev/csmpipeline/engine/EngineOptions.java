package dev.csmpipeline.engine;

import java.util.Locale;

/**
 * How an engine runs.
 *
 * @param device         {@code auto} (CUDA when available, else CPU, saying why in one log line), {@code cpu} or
 *                       {@code cuda}; from TTS_DEVICE
 * @param intraOpThreads threads inside one operator; 0 lets ONNX Runtime choose (one per core); from TTS_THREADS
 * @param interOpThreads threads across operators; 0 lets ONNX Runtime choose
 * @param cudaDeviceId   GPU ordinal for {@code cuda}
 */
public record EngineOptions(String device, int intraOpThreads, int interOpThreads, int cudaDeviceId) {

    public EngineOptions {
        device = device == null || device.isBlank() ? "auto" : device.trim().toLowerCase(Locale.ROOT);
        if (!device.equals("auto") && !device.equals("cpu") && !device.equals("cuda")) {
            throw new IllegalArgumentException("TTS_DEVICE must be auto, cpu or cuda, was '" + device + "'");
        }
        if (intraOpThreads < 0 || interOpThreads < 0) {
            throw new IllegalArgumentException("thread counts must be 0 (automatic) or more");
        }
    }

    public static EngineOptions defaults() {
        return new EngineOptions("auto", 0, 0, 0);
    }

    public static EngineOptions cpu(int threads) {
        return new EngineOptions("cpu", threads, 1, 0);
    }
}
