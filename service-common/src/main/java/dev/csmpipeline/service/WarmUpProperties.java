package dev.csmpipeline.service;

import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * The start-up warm-up, from WARMUP_* environment variables.
 *
 * @param calls          warm-up calls a service makes to itself before it reports ready: an ingest instance's sync
 *                       calls, a worker's jobs (WARMUP_CALLS; 0 turns them off)
 * @param compilerSettle the longest the warm-up then waits for the JIT compiler to finish compiling what the calls
 *                       ran (WARMUP_COMPILER_SETTLE; 0 does not wait)
 */
@ConfigurationProperties("warmup")
public record WarmUpProperties(Integer calls, Duration compilerSettle) {

    public WarmUpProperties {
        calls = calls == null ? 6 : calls;
        if (calls < 0) {
            throw new IllegalArgumentException("WARMUP_CALLS must be 0 or more, was " + calls);
        }
        compilerSettle = compilerSettle == null ? Duration.ofSeconds(5) : compilerSettle;
    }
}
