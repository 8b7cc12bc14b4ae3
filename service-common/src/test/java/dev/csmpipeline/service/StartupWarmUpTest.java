package dev.csmpipeline.service;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.springframework.boot.DefaultApplicationArguments;

class StartupWarmUpTest {

    @Test
    void aFailingStepIsSkippedAndTheStepsAfterItStillRun() {
        List<String> ran = new ArrayList<>();
        StartupWarmUp warmUp = new StartupWarmUp(List.of(
                new StartupWarmUp.Step("first", () -> ran.add("first")),
                new StartupWarmUp.Step("broker down", () -> {
                    throw new IllegalStateException("no metadata within max.block.ms");
                }),
                new StartupWarmUp.Step("last", () -> ran.add("last"))));

        assertThatCode(warmUp::afterSingletonsInstantiated).doesNotThrowAnyException();
        assertThat(ran).containsExactly("first", "last");
    }

    @Test
    void stepsBeforeReadyRunWhenTheApplicationRunsNotWhenItsBeansAreMade() {
        List<String> ran = new ArrayList<>();
        StartupWarmUp warmUp = new StartupWarmUp(List.of(new StartupWarmUp.Step("producers", () -> ran.add("start"))),
                List.of(new StartupWarmUp.Step("self calls", () -> ran.add("ready"))));

        warmUp.afterSingletonsInstantiated();
        assertThat(ran).containsExactly("start");
        warmUp.run(new DefaultApplicationArguments());
        assertThat(ran).containsExactly("start", "ready");
    }

    @Test
    void theWireCodecStepsSampleMessagesPassTheCodecsChecks() {
        // Each sample is encoded and decoded with the wire codec, and decoding runs each record's own checks (its
        // constructor): a sample that no longer fits its record would turn the step into a logged failure.
        assertThatCode(() -> StartupWarmUp.wireCodecs().action().run()).doesNotThrowAnyException();
    }

    @Test
    void awaitingReturnsOnceTheConditionHolds() {
        int[] looks = {0};

        StartupWarmUp.awaitUntil(() -> ++looks[0] == 3, Duration.ofSeconds(10), Duration.ofMillis(1), () -> "never");

        assertThat(looks[0]).isEqualTo(3);
    }

    @Test
    void awaitingFailsWithItsReasonOnceTheTimeoutHasPassed() {
        assertThatThrownBy(() -> StartupWarmUp.awaitUntil(() -> false, Duration.ofMillis(20), Duration.ofMillis(5),
                () -> "the table never caught up"))
                .isInstanceOf(IllegalStateException.class).hasMessage("the table never caught up");
    }
}
