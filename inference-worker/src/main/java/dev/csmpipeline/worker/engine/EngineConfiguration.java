package dev.csmpipeline.worker.engine;

import dev.csmpipeline.engine.BatchingSpeechEngine;
import dev.csmpipeline.engine.BundledModels;
import dev.csmpipeline.engine.CsmEngine;
import dev.csmpipeline.engine.EngineInfo;
import dev.csmpipeline.engine.EngineOptions;
import dev.csmpipeline.engine.SpeechEngine;
import dev.csmpipeline.engine.standin.FixedCostEngine;
import dev.csmpipeline.worker.WorkerProperties;
import java.nio.file.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * Loads the model and warms it up before the worker takes any request (the worker is ready only once this bean
 * exists). With no CSM_MODEL_DIR it loads the tiny random-weight test model shipped in the engine jar, and says so
 * loudly. With WORKER_BATCH above 1 the engine is a continuous batch of the bulk rows plus the interactive row.
 */
@Configuration(proxyBeanMethods = false)
@EnableConfigurationProperties(EngineProperties.class)
public class EngineConfiguration {

    private static final Logger log = LoggerFactory.getLogger(EngineConfiguration.class);

    @Bean(destroyMethod = "close")
    SpeechEngine speechEngine(EngineProperties props, WorkerProperties worker,
                              @Value("${csm.model-dir:}") String csmModelDir) {
        if ("fixed-cost".equals(props.engine())) {
            log.warn("event=engine_standin model={} frame_ms={} WARNING: TTS_ENGINE=fixed-cost is a benchmark "
                    + "stand-in; it produces a tone, not speech", FixedCostEngine.MODEL_NAME,
                    props.standinFrame().toMillis());
            return new FixedCostEngine(props.standinFrame().toNanos(), 4);
        }
        Path dir = csmModelDir.isBlank() ? null : Path.of(csmModelDir);
        EngineOptions options = new EngineOptions(props.device(), props.threads(), 1, 0, props.threadPools());
        long t0 = System.nanoTime();
        CsmEngine engine;
        if (dir == null) {
            log.warn("event=model_default model=tiny-random WARNING: CSM_MODEL_DIR is not set, so this worker runs "
                    + "the tiny random-weight test model: its output is NOT speech. Export CSM-1B with "
                    + "tools/csm-export and set CSM_MODEL_DIR to the bundle.");
            engine = CsmEngine.load(BundledModels.tinyRandom(), options);
        } else {
            engine = CsmEngine.load(dir, options);
        }
        EngineInfo info = engine.info();
        log.info("event=model_loaded model={} kind={} device={} sample_rate={} took_ms={}", info.modelName(),
                info.modelKind(), info.device(), info.sampleRate(), (System.nanoTime() - t0) / 1_000_000);
        SpeechEngine serving = worker.batching() ? new BatchingSpeechEngine(engine, worker.totalSlots()) : engine;
        long warmMs = EngineWarmUp.run(serving, worker.totalSlots());
        log.info("event=engine_warmed model={} batch={} rows={} took_ms={}", info.modelName(), worker.batch(),
                worker.totalSlots(), warmMs);
        return serving;
    }

    @Bean
    HealthIndicator engineHealthIndicator(SpeechEngine engine) {
        return () -> {
            EngineInfo info = engine.info();
            Health.Builder h = Health.up().withDetail("model", info.modelName()).withDetail("kind", info.modelKind())
                    .withDetail("device", info.device()).withDetail("sample_rate", info.sampleRate());
            if (info.producesNoSpeech()) {
                h.withDetail("warning", "model " + info.modelName() + ": output is not speech");
            }
            return h.build();
        };
    }
}
