package dev.csmpipeline.engine.csm;

import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtLoggingLevel;
import dev.csmpipeline.engine.EngineOptions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The process's ONNX Runtime environment. ONNX Runtime allows one environment per process, and its threading options
 * (a process-wide intra-op pool) can only be set when it is created: so this is the one place with process-wide
 * state, recording how that environment was created. Every session opened afterwards asks it whether a shared pool
 * exists.
 */
final class OrtRuntime {

    private static final Logger log = LoggerFactory.getLogger(OrtRuntime.class);

    /** The environment and whether sessions must use its process-wide pool. */
    record Environment(OrtEnvironment env, boolean sharedPool) {
    }

    /** Threads of the process-wide pool once created; 0 before. Guarded by the class. */
    private static int sharedPoolThreads;
    /** True once the environment exists without a shared pool, which can no longer be added. Guarded by the class. */
    private static boolean createdWithoutPool;

    private OrtRuntime() {
    }

    /** The environment for an engine with {@code options}, creating it (with the shared pool if asked) on first use. */
    static synchronized Environment environment(EngineOptions options) {
        int threads = options.intraOpThreads() > 0 ? options.intraOpThreads()
                : Runtime.getRuntime().availableProcessors();
        if (options.threadPools() == EngineOptions.ThreadPools.SESSION) {
            log.info("event=thread_pool scope=session intra_op_threads={} reason=\"requested\"", threads);
            OrtEnvironment env = OrtEnvironment.getEnvironment();
            createdWithoutPool = sharedPoolThreads == 0;
            return new Environment(env, false);
        }
        if (sharedPoolThreads != 0) {
            if (threads != sharedPoolThreads) {
                log.info("event=thread_pool scope=process intra_op_threads={} requested={} reason=\"the process-wide "
                        + "pool keeps the size of the first engine loaded\"", sharedPoolThreads, threads);
            }
            return new Environment(OrtEnvironment.getEnvironment(), true);
        }
        if (!createdWithoutPool) {
            try (OrtEnvironment.ThreadingOptions pool = new OrtEnvironment.ThreadingOptions()) {
                pool.setGlobalIntraOpNumThreads(threads);
                pool.setGlobalInterOpNumThreads(Math.max(1, options.interOpThreads()));
                OrtEnvironment env = OrtEnvironment.getEnvironment(OrtLoggingLevel.ORT_LOGGING_LEVEL_ERROR,
                        "csm-engine", pool);
                sharedPoolThreads = threads;
                log.info("event=thread_pool scope=process intra_op_threads={}", threads);
                return new Environment(env, true);
            } catch (IllegalStateException alreadyCreated) {
                createdWithoutPool = true;
            } catch (OrtException e) {
                throw new IllegalStateException("cannot create the ONNX Runtime thread pool: " + e.getMessage(), e);
            }
        }
        log.info("event=thread_pool scope=session intra_op_threads={} reason=\"ONNX Runtime environment was created "
                + "without a process-wide pool earlier in this process\"", threads);
        return new Environment(OrtEnvironment.getEnvironment(), false);
    }
}
