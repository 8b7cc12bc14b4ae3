package dev.csmpipeline.localstack;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class ChildProcessTest {

    private Process process;

    @AfterEach
    void cleanUp() {
        if (process != null) {
            process.destroyForcibly();
        }
    }

    @Test
    void stopEndsAProcessThatHonoursSigtermWithinItsGrace() throws IOException {
        // A shell that reports SIGTERM through its exit code, so the test can tell it was not killed.
        process = new ProcessBuilder("sh", "-c", "trap 'exit 42' TERM; while :; do sleep 0.1; done").start();
        awaitShellTrapInstalled();
        ChildProcess.stop(process, Duration.ofSeconds(20), "test");
        assertThat(process.isAlive()).isFalse();
        assertThat(process.exitValue()).isEqualTo(42);
    }

    @Test
    void stopKillsAProcessThatIgnoresSigtermOnceTheGraceIsOver() throws IOException {
        process = new ProcessBuilder("sh", "-c", "trap '' TERM; while :; do sleep 0.1; done").start();
        awaitShellTrapInstalled();
        ChildProcess.stop(process, Duration.ofMillis(500), "test");
        assertThat(process.isAlive()).isFalse();
        assertThat(process.exitValue()).as("killed by SIGKILL: 128 + 9").isEqualTo(137);
    }

    @Test
    void killEndsAProcessAtOnceWithoutItsSigtermHandler() throws IOException {
        process = new ProcessBuilder("sh", "-c", "trap 'exit 42' TERM; while :; do sleep 0.1; done").start();
        awaitShellTrapInstalled();
        ChildProcess.kill(process);
        assertThat(process.isAlive()).isFalse();
        assertThat(process.exitValue()).isEqualTo(137);
    }

    @Test
    void stopAndKillAcceptAProcessThatNeverStarted() {
        ChildProcess.stop(null, Duration.ofSeconds(1), "test");
        ChildProcess.kill(null);
    }

    /** The shell's first loop iteration runs after its trap is set: wait for the sleep child it starts. */
    private void awaitShellTrapInstalled() {
        await().atMost(Duration.ofSeconds(10))
                .until(() -> process.children().findAny().isPresent());
    }
}
