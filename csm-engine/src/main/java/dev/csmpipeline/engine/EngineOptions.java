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
 * @param threadPools    whether the engine's sessions share one process-wide intra-op pool (the default) or each
 *                       have their own; from TTS_THREAD_POOLS
 */
public record EngineOptions(String device, int intraOpThreads, int interOpThreads, int cudaDeviceId,
                            ThreadPools threadPools) {

    /** Where ONNX Runtime's intra-op threads live. */
    public enum ThreadPools {
        /**
         * One pool for the whole process, shared by every session (default). With a pool per session, the pool
         * that just ran (the backbone) keeps spinning while the next session (the depth decoder) needs the cores;
         * on a small CPU that costs more than the spinning saves (docs/BENCHMARKS.md). The pool is created once per
         * process, sized by the first engine that asks for it.
         */
        PROCESS,
        /** A pool per session, ONNX Runtime's own default. */
        SESSION;

        /** {@code process} or {@code session}, any case; blank for the default. */
        public static ThreadPools parse(String value) {
            if (value == null || value.isBlank()) {
                return PROCESS;
            }
            return switch (value.trim().toLowerCase(Locale.ROOT)) {
                case "process" -> PROCESS;
                case "session" -> SESSION;
                default -> throw new IllegalArgumentException("TTS_THREAD_POOLS must be process or session, was '"
                        + value + "'");
            };
        }
    }

    public EngineOptions {
        device = device == null || device.isBlank() ? "auto" : device.trim().toLowerCase(Locale.ROOT);
        if (!device.equals("auto") && !device.equals("cpu") && !device.equals("cuda")) {
            throw new IllegalArgumentException("TTS_DEVICE must be auto, cpu or cuda, was '" + device + "'");
        }
        if (intraOpThreads < 0 || interOpThreads < 0) {
            throw new IllegalArgumentException("thread counts must be 0 (automatic) or more");
        }
        threadPools = threadPools == null ? ThreadPools.PROCESS : threadPools;
    }

    /** Options with the default, process-wide thread pool. */
    public EngineOptions(String device, int intraOpThreads, int interOpThreads, int cudaDeviceId) {
        this(device, intraOpThreads, interOpThreads, cudaDeviceId, ThreadPools.PROCESS);
    }

    public static EngineOptions defaults() {
        return new EngineOptions("auto", 0, 0, 0);
    }

    public static EngineOptions cpu(int threads) {
        return new EngineOptions("cpu", threads, 1, 0);
    }

    /** These options with {@code pools}. */
    public EngineOptions withThreadPools(ThreadPools pools) {
        return new EngineOptions(device, intraOpThreads, interOpThreads, cudaDeviceId, pools);
    }
}
