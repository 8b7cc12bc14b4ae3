package dev.csmpipeline.service;

import dev.csmpipeline.model.Limits;
import dev.csmpipeline.model.WarmUp;
import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * The start-up warm-up, from WARMUP_* environment variables.
 *
 * @param calls          warm-up calls a service makes to itself before it reports ready: an ingest instance's sync
 *                       calls, a worker's jobs (WARMUP_CALLS; 0 turns them off)
 * @param compilerSettle the longest the warm-up then waits for the JIT compiler to finish compiling what the calls
 *                       ran (WARMUP_COMPILER_SETTLE; 0 does not wait)
 * @param fullCallMs     audio the one full-length warm-up call asks for, besides the short ones (WARMUP_FULL_CALL_MS;
 *                       default {@link WarmUp#FULL_AUDIO_MS}, what a call without {@code max_audio_length_ms} gets; 0
 *                       leaves it out). A worker synthesizes it: with a large model on CPU, lower it to what the
 *                       start-up can spend
 */
@ConfigurationProperties("warmup")
public record WarmUpProperties(Integer calls, Duration compilerSettle, Integer fullCallMs) {

    public WarmUpProperties {
        calls = calls == null ? 6 : calls;
        if (calls < 0) {
            throw new IllegalArgumentException("WARMUP_CALLS must be 0 or more, was " + calls);
        }
        compilerSettle = compilerSettle == null ? Duration.ofSeconds(5) : compilerSettle;
        fullCallMs = fullCallMs == null ? WarmUp.FULL_AUDIO_MS : fullCallMs;
        if (fullCallMs != 0 && (fullCallMs < Limits.MAX_AUDIO_LENGTH_MS_MIN || fullCallMs > WarmUp.FULL_AUDIO_MS)) {
            throw new IllegalArgumentException("WARMUP_FULL_CALL_MS must be 0 or between "
                    + Limits.MAX_AUDIO_LENGTH_MS_MIN + " and " + WarmUp.FULL_AUDIO_MS + " (ms of audio), was "
                    + fullCallMs);
        }
    }
}
