package dev.csmpipeline.worker.control;

import static org.assertj.core.api.Assertions.assertThat;

import dev.csmpipeline.model.ControlCommand;
import java.time.Clock;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class CancellationRegistryTest {

    private final CancellationRegistry registry = new CancellationRegistry("127.0.0.1:1", Clock.systemUTC());

    @Test
    void aCancelledJobIsCancelled() {
        registry.record(ControlCommand.cancelJob("job-1", "acme", Instant.now()));
        assertThat(registry.isCancelled("job-1", null)).isTrue();
        assertThat(registry.isCancelled("job-2", null)).isFalse();
    }

    @Test
    void aCancelledNarrationCancelsEachOfItsSegments() {
        registry.record(ControlCommand.cancelNarration("nar-1", "acme", Instant.now()));
        assertThat(registry.isCancelled("seg-7", "nar-1")).isTrue();
    }

    @Test
    void aCommandWithoutTargetIsIgnoredNotFatal() {
        registry.record(new ControlCommand(ControlCommand.Type.CANCEL, null, null, null, null));
        registry.record(ControlCommand.cancelJob("job-3", null, null));
        assertThat(registry.isCancelled("job-3", null)).isTrue();
    }
}
