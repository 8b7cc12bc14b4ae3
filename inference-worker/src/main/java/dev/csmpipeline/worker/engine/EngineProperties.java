package dev.csmpipeline.worker.engine;

import dev.csmpipeline.engine.EngineOptions;
import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * The engine, from TTS_DEVICE, TTS_THREADS, TTS_THREAD_POOLS and (benchmarks only) TTS_ENGINE and TTS_STANDIN_FRAME. The model
 * bundle comes from CSM_MODEL_DIR ({@code csm.model-dir}).
 *
 * @param device      auto, cpu or cuda (TTS_DEVICE)
 * @param threads     ONNX Runtime intra-op threads, 0 for one per core (TTS_THREADS)
 * @param threadPools {@code process} (default: one intra-op pool shared by the engine's sessions) or {@code session}
 *                    (a pool per session) (TTS_THREAD_POOLS)
 * @param engine      {@code csm} (the model), or {@code fixed-cost}: a stand-in for pipeline benchmarks only
 * @param standinFrame time per frame of the fixed-cost stand-in (TTS_STANDIN_FRAME)
 */
@ConfigurationProperties("tts")
public record EngineProperties(String device, Integer threads, EngineOptions.ThreadPools threadPools, String engine,
                               Duration standinFrame) {

    public EngineProperties {
        device = device == null || device.isBlank() ? "auto" : device;
        threads = threads == null ? 0 : threads;
        threadPools = threadPools == null ? EngineOptions.ThreadPools.PROCESS : threadPools;
        engine = engine == null || engine.isBlank() ? "csm" : engine;
        standinFrame = standinFrame == null ? Duration.ofMillis(20) : standinFrame;
    }
}
