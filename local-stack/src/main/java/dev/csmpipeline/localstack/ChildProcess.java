package dev.csmpipeline.localstack;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * How this stack ends the child JVMs it starts (the Kafka broker, the services): {@link #stop} is SIGTERM, then
 * SIGKILL after a grace period; {@link #kill} is SIGKILL at once, as a crash would end it.
 */
final class ChildProcess {

    private static final Logger log = LoggerFactory.getLogger(ChildProcess.class);
    private static final Duration KILL_WAIT = Duration.ofSeconds(10);

    private ChildProcess() {
    }

    /** SIGTERM, wait up to {@code grace}, then SIGKILL; {@code what} names the process in the log. */
    static void stop(Process process, Duration grace, String what) {
        if (process == null) {
            return;
        }
        process.destroy();
        try {
            if (!process.waitFor(grace.toMillis(), TimeUnit.MILLISECONDS)) {
                log.warn("event=child_stop_timeout process={} pid={} grace_s={} action=kill", what, process.pid(),
                        grace.toSeconds());
                process.destroyForcibly().waitFor(KILL_WAIT.toMillis(), TimeUnit.MILLISECONDS);
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }

    /** SIGKILL: no shutdown of any kind; returns once the process has gone (or after a short wait). */
    static void kill(Process process) {
        if (process == null) {
            return;
        }
        process.destroyForcibly();
        try {
            process.waitFor(KILL_WAIT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** The java command of this JVM, so that children run on the same JDK. */
    static String javaBinary() {
        return ProcessHandle.current().info().command().orElse("java");
    }
}
