package dev.csmpipeline.localstack;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One pipeline service (a Spring Boot jar) in a child JVM. Its output is copied line by line to this process's
 * output with the service name in front; its readiness is read from its readiness URL.
 */
public final class ChildService implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(ChildService.class);
    private static final Duration STOP_TIMEOUT = Duration.ofSeconds(30);
    private static final int TAIL_LINES = 15;

    private final String name;
    private final Path jar;
    private final int port;
    private final String readinessPath;
    private final Map<String, String> env;
    private final List<String> jvmArgs;
    private final PrintStream out;
    private final Deque<String> tail = new ArrayDeque<>();
    private Process process;

    /**
     * @param name          name shown in front of its output
     * @param jar           the executable jar
     * @param port          its HTTP port on 127.0.0.1
     * @param readinessPath path that answers 200 once it can serve
     * @param env           environment added to this process's own
     * @param jvmArgs       JVM options
     * @param out           where its output goes
     */
    public ChildService(String name, Path jar, int port, String readinessPath, Map<String, String> env,
                        List<String> jvmArgs, PrintStream out) {
        this.name = name;
        this.jar = jar;
        this.port = port;
        this.readinessPath = readinessPath;
        this.env = env;
        this.jvmArgs = jvmArgs;
        this.out = out;
    }

    public String name() {
        return name;
    }

    public int port() {
        return port;
    }

    public URI url() {
        return URI.create("http://" + Ports.LOOPBACK + ":" + port);
    }

    public synchronized void start() {
        if (!Files.isRegularFile(jar)) {
            throw new StartupException(name + " is not built: " + jar + " is missing; run ./mvnw -DskipTests package");
        }
        Ports.requireFree(port, name, name.toUpperCase().replace('-', '_') + "_PORT");
        List<String> cmd = new ArrayList<>();
        cmd.add(ChildProcess.javaBinary());
        cmd.addAll(jvmArgs);
        cmd.addAll(List.of("-jar", jar.toString()));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        pb.environment().putAll(env);
        try {
            process = pb.start();
        } catch (IOException e) {
            throw new StartupException("cannot start " + name + ": " + e.getMessage(), e);
        }
        Thread pump = new Thread(this::pumpOutput, name + "-output");
        pump.setDaemon(true);
        pump.start();
        log.info("event=service_starting service={} port={} pid={}", name, port, process.pid());
    }

    /** Waits until the readiness URL answers 200; fails with the service's last lines if it exits first. */
    public void awaitReady(Duration timeout) {
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();
        HttpRequest request = HttpRequest.newBuilder(url().resolve(readinessPath)).timeout(Duration.ofSeconds(2))
                .build();
        Instant end = Instant.now().plus(timeout);
        while (Instant.now().isBefore(end)) {
            if (!process.isAlive()) {
                throw new StartupException(name + " exited with code " + process.exitValue()
                        + " during start; its last lines:\n" + tailText());
            }
            try {
                if (http.send(request, HttpResponse.BodyHandlers.discarding()).statusCode() == 200) {
                    return;
                }
            } catch (IOException e) {
                // not listening yet
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new StartupException("interrupted while waiting for " + name, e);
            }
            Ports.sleep(Duration.ofMillis(250));
        }
        throw new StartupException(name + " was not ready within " + timeout.toSeconds() + " s at " + url()
                + readinessPath + "; its last lines:\n" + tailText());
    }

    public synchronized boolean isRunning() {
        return process != null && process.isAlive();
    }

    /** SIGTERM (Spring's graceful shutdown), then SIGKILL after a grace period. */
    public synchronized void stop() {
        ChildProcess.stop(process, STOP_TIMEOUT, name);
        process = null;
    }

    /** SIGKILL: the process dies at once, as in a crash, with no shutdown of any kind. */
    public synchronized void kill() {
        ChildProcess.kill(process);
        process = null;
    }

    @Override
    public void close() {
        stop();
    }

    private void pumpOutput() {
        Process p = process;
        try (BufferedReader reader = new BufferedReader(new InputStreamReader(p.getInputStream(),
                StandardCharsets.UTF_8))) {
            String line;
            while ((line = reader.readLine()) != null) {
                synchronized (tail) {
                    tail.addLast(line);
                    if (tail.size() > TAIL_LINES) {
                        tail.removeFirst();
                    }
                }
                out.println("[" + name + "] " + line);
            }
        } catch (IOException e) {
            // the process ended
        }
    }

    private String tailText() {
        synchronized (tail) {
            return String.join("\n", tail);
        }
    }
}
