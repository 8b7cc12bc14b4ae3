package dev.csmpipeline.storage.client;

import java.time.Duration;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.core.retry.RetryListener;
import org.springframework.core.retry.RetryPolicy;
import org.springframework.core.retry.RetryState;
import org.springframework.core.retry.RetryTemplate;
import org.springframework.core.retry.Retryable;

/**
 * Retries a storage call that failed transiently ({@link StorageException#isTransient()}: network errors, timeouts,
 * 5xx) with exponential back-off, 250 ms doubling to 8 s, for up to {@code retryFor} in all; a refusal (access
 * denied, no such bucket) fails at once. For background work that must not lose a result to a short outage, such as
 * a worker storing the audio it synthesized; a request a caller waits on should fail fast instead.
 */
public final class StorageRetry {

    private static final Logger log = LoggerFactory.getLogger(StorageRetry.class);
    static final Duration FIRST_BACKOFF = Duration.ofMillis(250);
    static final Duration MAX_BACKOFF = Duration.ofSeconds(8);

    private final RetryPolicy policy;

    public StorageRetry(Duration retryFor) {
        this(retryFor, FIRST_BACKOFF, MAX_BACKOFF);
    }

    StorageRetry(Duration retryFor, Duration firstBackoff, Duration maxBackoff) {
        this.policy = RetryPolicy.builder()
                .maxRetries(Long.MAX_VALUE)
                .timeout(retryFor)
                .delay(firstBackoff)
                .multiplier(2)
                .maxDelay(maxBackoff)
                .predicate(e -> e instanceof StorageException s && s.isTransient())
                .build();
    }

    /**
     * Runs {@code call}, retrying transient failures.
     *
     * @param jobId the job the call is for, for the log
     * @throws StorageException the last failure, once retrying is over or for a refusal
     */
    public <T> T call(String jobId, Supplier<T> call) {
        RetryTemplate template = new RetryTemplate(policy);
        template.setRetryListener(new RetryListener() {
            @Override
            public void beforeRetry(RetryPolicy policy, Retryable<?> retryable, RetryState state) {
                log.warn("event=storage_retry job={} attempt={} reason={}", jobId, state.getRetryCount(),
                        state.getLastException() == null ? "" : state.getLastException().getMessage());
            }
        });
        return template.invoke(call);
    }

    /** {@link #call} for a call with no result. */
    public void run(String jobId, Runnable call) {
        call(jobId, () -> {
            call.run();
            return null;
        });
    }
}
