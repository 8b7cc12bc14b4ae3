package dev.csmpipeline.storage.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class StorageRetryTest {

    private final StorageRetry retry = new StorageRetry(Duration.ofMillis(300), Duration.ofMillis(10),
            Duration.ofMillis(40));
    private final AtomicInteger calls = new AtomicInteger();

    private static StorageException outage() {
        return new StorageException("connection refused", null, true);
    }

    @Test
    void aTransientFailureIsRetriedUntilTheCallSucceeds() {
        String result = retry.call("job-1", () -> {
            if (calls.incrementAndGet() < 3) {
                throw outage();
            }
            return "stored";
        });
        assertThat(result).isEqualTo("stored");
        assertThat(calls).hasValue(3);
    }

    @Test
    void aRefusalFailsAtOnceWithItsOwnException() {
        StorageException denied = new StorageException("access denied", null, false);
        assertThatThrownBy(() -> retry.call("job-1", () -> {
            calls.incrementAndGet();
            throw denied;
        })).isSameAs(denied);
        assertThat(calls).hasValue(1);
    }

    @Test
    void anOutageLongerThanTheRetryTimeFailsWithTheStorageError() {
        assertThatThrownBy(() -> retry.run("job-1", () -> {
            calls.incrementAndGet();
            throw outage();
        })).isInstanceOf(StorageException.class).hasMessageContaining("connection refused");
        assertThat(calls.get()).isGreaterThan(2);
    }
}
