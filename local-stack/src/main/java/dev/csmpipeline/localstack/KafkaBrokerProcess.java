package dev.csmpipeline.localstack;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.common.Uuid;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A real Apache Kafka broker in KRaft mode (combined broker and controller, one node) in a child JVM started from
 * this JVM's own classpath. Its data lives in {@code logDir}, so a restart keeps topics and offsets; the storage
 * is formatted on first start only, because KRaft does not format itself.
 */
public final class KafkaBrokerProcess implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(KafkaBrokerProcess.class);
    private static final Duration START_TIMEOUT = Duration.ofSeconds(90);
    private static final Duration STOP_TIMEOUT = Duration.ofSeconds(20);

    private final Path logDir;
    private final Path configFile;
    private final Path outputFile;
    private final int port;
    private final int controllerPort;
    private final String heap;
    private final Jvm jvm;
    private final Flush flush;
    private Process process;

    /** The broker JVM's flags. */
    public enum Jvm {
        /**
         * Starts in about 2 s and stays small (tests, {@code bin/local-stack}): C1 only
         * ({@code -XX:TieredStopAtLevel=1}), the serial collector, {@code -Xmx<heap> -Xms64m}. Costs throughput:
         * docs/BENCHMARKS.md, "Submit throughput".
         */
        FAST_START,
        /**
         * What Kafka's own {@code bin/kafka-server-start.sh} runs: full tiered JIT, G1 with 20 ms pause target,
         * {@code -Xmx1g -Xms1g} (the heap argument is ignored).
         */
        PRODUCTION;

        List<String> flags(String heap) {
            return switch (this) {
                case FAST_START -> List.of("-Xmx" + heap, "-Xms64m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1");
                case PRODUCTION -> List.of("-Xmx1g", "-Xms1g", "-server", "-XX:+UseG1GC", "-XX:MaxGCPauseMillis=20",
                        "-XX:InitiatingHeapOccupancyPercent=35", "-XX:+ExplicitGCInvokesConcurrent",
                        "-XX:MaxInlineLevel=15", "-Djava.awt.headless=true");
            };
        }
    }

    /** When the broker forces its log to disk. */
    public enum Flush {
        /** {@code log.flush.interval.messages=1}: an fsync per append, so one machine's data survives a power cut. */
        EVERY_MESSAGE,
        /** Kafka's default: the operating system writes pages back; durability comes from replication. */
        OS
    }

    /**
     * @param logDir         the broker's data ({@code log.dirs})
     * @param port           client port on 127.0.0.1
     * @param controllerPort KRaft controller port on 127.0.0.1
     * @param heap           maximum heap of the broker JVM, e.g. {@code 512m}
     */
    public KafkaBrokerProcess(Path logDir, int port, int controllerPort, String heap) {
        this(logDir, port, controllerPort, heap, Jvm.FAST_START, Flush.EVERY_MESSAGE);
    }

    /**
     * @param jvm   the broker JVM's flags
     * @param flush when the broker forces its log to disk
     */
    public KafkaBrokerProcess(Path logDir, int port, int controllerPort, String heap, Jvm jvm, Flush flush) {
        this.jvm = jvm;
        this.flush = flush;
        this.logDir = logDir.toAbsolutePath();
        this.configFile = this.logDir.resolveSibling(this.logDir.getFileName() + "-server.properties");
        this.outputFile = this.logDir.resolveSibling(this.logDir.getFileName() + "-broker.log");
        this.port = port;
        this.controllerPort = controllerPort;
        this.heap = heap;
    }

    public String bootstrapServers() {
        return Ports.LOOPBACK + ":" + port;
    }

    public int port() {
        return port;
    }

    public Path outputFile() {
        return outputFile;
    }

    /** Starts the broker and waits until it answers a metadata request. */
    public synchronized void start() {
        if (process != null && process.isAlive()) {
            return;
        }
        Ports.requireFree(port, "the Kafka broker", "KAFKA_PORT");
        Ports.requireFree(controllerPort, "the Kafka controller", "KAFKA_CONTROLLER_PORT");
        try {
            Files.createDirectories(logDir);
            writeConfig();
            if (!Files.exists(logDir.resolve("meta.properties"))) {
                format();
            }
            process = java("kafka.Kafka", configFile.toString()).start();
        } catch (IOException e) {
            throw new StartupException("cannot start the Kafka broker in " + logDir + ": " + e.getMessage(), e);
        }
        awaitReady();
        log.info("event=kafka_started bootstrap={} data={} pid={} jvm={} flush={}", bootstrapServers(), logDir,
                process.pid(), jvm, flush);
    }

    /** Stops the broker with SIGTERM (a clean shutdown), then SIGKILL after a grace period. */
    public synchronized void stop() {
        ChildProcess.stop(process, STOP_TIMEOUT, "kafka");
        process = null;
    }

    /** Kills the broker without a clean shutdown, as a crash would. */
    public synchronized void kill() {
        ChildProcess.kill(process);
        process = null;
    }

    public synchronized boolean isRunning() {
        return process != null && process.isAlive();
    }

    @Override
    public void close() {
        stop();
    }

    private void writeConfig() throws IOException {
        Properties p = new Properties();
        p.putAll(Map.ofEntries(
                Map.entry("process.roles", "broker,controller"),
                Map.entry("node.id", "1"),
                Map.entry("controller.quorum.voters", "1@" + Ports.LOOPBACK + ":" + controllerPort),
                Map.entry("listeners", "PLAINTEXT://" + Ports.LOOPBACK + ":" + port + ",CONTROLLER://"
                        + Ports.LOOPBACK + ":" + controllerPort),
                Map.entry("advertised.listeners", "PLAINTEXT://" + Ports.LOOPBACK + ":" + port),
                Map.entry("controller.listener.names", "CONTROLLER"),
                Map.entry("inter.broker.listener.name", "PLAINTEXT"),
                Map.entry("listener.security.protocol.map", "CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT"),
                Map.entry("log.dirs", logDir.toString()),
                Map.entry("num.partitions", "1"),
                Map.entry("auto.create.topics.enable", "false"),
                Map.entry("offsets.topic.replication.factor", "1"),
                Map.entry("offsets.topic.num.partitions", "1"),
                Map.entry("transaction.state.log.replication.factor", "1"),
                Map.entry("transaction.state.log.min.isr", "1"),
                Map.entry("transaction.state.log.num.partitions", "1"),
                Map.entry("share.coordinator.state.topic.replication.factor", "1"),
                Map.entry("share.coordinator.state.topic.min.isr", "1"),
                Map.entry("group.initial.rebalance.delay.ms", "0"),
                // Consumer-protocol groups (KIP-848, used by the workers): on one machine, assign partitions to a
                // starting worker within a second or two, and hand a crashed worker's partitions on in 20 s.
                Map.entry("group.consumer.min.heartbeat.interval.ms", "1000"),
                Map.entry("group.consumer.heartbeat.interval.ms", "1000"),
                Map.entry("group.consumer.min.session.timeout.ms", "10000"),
                Map.entry("group.consumer.session.timeout.ms", "20000")));
        if (flush == Flush.EVERY_MESSAGE) {
            p.put("log.flush.interval.messages", "1");
        }
        try (var out = Files.newBufferedWriter(configFile, StandardCharsets.UTF_8)) {
            p.store(out, "written by local-stack; regenerated at every start");
        }
    }

    private void format() throws IOException {
        Process formatter = java("kafka.tools.StorageTool", "format", "-t", Uuid.randomUuid().toString(),
                "-c", configFile.toString(), "--ignore-formatted").start();
        try {
            if (!formatter.waitFor(60, TimeUnit.SECONDS) || formatter.exitValue() != 0) {
                throw new StartupException("formatting Kafka storage in " + logDir + " failed; see " + outputFile
                        + ": " + tail());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new StartupException("interrupted while formatting Kafka storage", e);
        }
        log.info("event=kafka_storage_formatted data={}", logDir);
    }

    private ProcessBuilder java(String mainClass, String... args) {
        List<String> cmd = new ArrayList<>(List.of(ChildProcess.javaBinary()));
        cmd.addAll(jvm.flags(heap));
        cmd.addAll(List.of("-Dlogback.configurationFile=broker-logback.xml",
                "-Dkafka.logs.dir=" + logDir.getParent(),
                "-cp", System.getProperty("java.class.path"), mainClass));
        cmd.addAll(List.of(args));
        return new ProcessBuilder(cmd).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(outputFile.toFile()));
    }

    private void awaitReady() {
        Instant end = Instant.now().plus(START_TIMEOUT);
        Properties p = new Properties();
        p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers());
        p.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, "2000");
        p.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, "3000");
        while (Instant.now().isBefore(end)) {
            if (!process.isAlive()) {
                throw new StartupException("the Kafka broker exited with code " + process.exitValue()
                        + " during start; its log " + outputFile + " ends: " + tail());
            }
            if (Ports.isListening(port)) {
                try (Admin admin = Admin.create(p)) {
                    if (!admin.describeCluster().nodes().get(3, TimeUnit.SECONDS).isEmpty()) {
                        return;
                    }
                } catch (Exception e) {
                    log.debug("event=kafka_not_ready_yet reason={}", e.toString());
                }
            }
            Ports.sleep(Duration.ofMillis(200));
        }
        throw new StartupException("the Kafka broker did not become ready within " + START_TIMEOUT.toSeconds()
                + " s; its log " + outputFile + " ends: " + tail());
    }

    private String tail() {
        try {
            List<String> lines = Files.readAllLines(outputFile, StandardCharsets.UTF_8);
            return String.join(" | ", lines.subList(Math.max(0, lines.size() - 5), lines.size()));
        } catch (IOException e) {
            return "(no log)";
        }
    }
}
