package dev.csmpipeline.localstack;

import dev.csmpipeline.model.TopicSpec;
import dev.csmpipeline.model.Topics;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs the whole pipeline on one machine without Docker: a Kafka broker (KRaft) on 127.0.0.1:9092 with its data in
 * {@code ./data/kafka}, an S3-compatible server on 127.0.0.1:9000 with its objects in {@code ./data/s3}, the
 * pipeline topics, then the services. Ctrl-C stops everything, services first.
 */
public final class LocalStack implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(LocalStack.class);
    private static final Duration SERVICE_READY_TIMEOUT = Duration.ofSeconds(240);

    private final LocalStackConfig config;
    private final PrintStream out;
    private final KafkaBrokerProcess kafka;
    private final S3Server s3;
    private final List<ChildService> services = new ArrayList<>();

    public LocalStack(LocalStackConfig config, PrintStream out) {
        this.config = config;
        this.out = out;
        this.kafka = new KafkaBrokerProcess(config.dataDir().resolve("kafka"), config.kafkaPort(),
                config.kafkaControllerPort(), "512m", config.kafkaJvm(), config.kafkaFlush());
        this.s3 = new S3Server(config.dataDir().resolve("s3"), config.s3Port(), config.s3AccessKey(),
                config.s3SecretKey(), config.s3Bucket());
    }

    public static void main(String[] args) {
        long t0 = System.nanoTime();
        LocalStackConfig config = LocalStackConfig.fromEnvironment(System.getenv());
        LocalStack stack = new LocalStack(config, System.out);
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            stack.close();
            stopped.countDown();
        }, "local-stack-shutdown"));
        try {
            stack.start();
        } catch (StartupException e) {
            System.err.println("local-stack: " + e.getMessage());
            System.exit(1);
        }
        stack.printSummary(Duration.ofNanos(System.nanoTime() - t0));
        try {
            stopped.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    public void start() {
        checkDataDir();
        checkPorts();
        kafka.start();
        TopicProvisioner.ensure(kafka.bootstrapServers(),
                TopicSpec.plan(config.requestPartitions(), Topics.DEFAULT_OTHER_PARTITIONS, (short) 1));
        s3.start();
        startServices();
    }

    private void checkDataDir() {
        Path dir = config.dataDir();
        try {
            Files.createDirectories(dir);
            Path probe = Files.createTempFile(dir, ".write-probe", "");
            Files.delete(probe);
        } catch (IOException e) {
            throw new StartupException("the data folder " + dir + " is not writable (" + e.getMessage()
                    + "): fix its permissions or set LOCAL_STACK_DATA_DIR to a writable folder");
        }
    }

    /** Fails before starting anything when a port is taken, naming the port and the setting that moves it. */
    private void checkPorts() {
        Ports.requireFree(config.kafkaPort(), "the Kafka broker", "KAFKA_PORT");
        Ports.requireFree(config.kafkaControllerPort(), "the Kafka controller", "KAFKA_CONTROLLER_PORT");
        Ports.requireFree(config.s3Port(), "the S3 server", "S3_PORT");
        for (String name : config.services()) {
            for (int port : portsOf(name)) {
                Ports.requireFree(port, name, name.toUpperCase().replace('-', '_') + "_PORT");
            }
        }
    }

    private List<Integer> portsOf(String service) {
        return switch (service) {
            case "ingest-api" -> List.of(config.ingestPort());
            case "storage-service" -> List.of(config.storageServicePort());
            case "inference-worker" -> {
                List<Integer> ports = new ArrayList<>();
                for (int i = 0; i < config.workers(); i++) {
                    ports.add(config.workerPort() + i);
                }
                yield ports;
            }
            default -> throw new StartupException("unknown service '" + service + "' in LOCAL_STACK_SERVICES; "
                    + "known: " + LocalStackConfig.ALL_SERVICES);
        };
    }

    private void startServices() {
        for (String name : config.services()) {
            List<Integer> ports = portsOf(name);
            for (int i = 0; i < ports.size(); i++) {
                String instance = ports.size() == 1 ? name : name + "-" + (i + 1);
                ChildService service = new ChildService(instance, config.jarOf(name), ports.get(i),
                        "/actuator/health/readiness", serviceEnv(ports.get(i), instance),
                        List.of("-Xmx" + config.serviceHeap(), "-XX:+UseSerialGC"), out);
                service.start();
                services.add(service);
            }
        }
        for (ChildService service : services) {
            service.awaitReady(SERVICE_READY_TIMEOUT);
        }
    }

    private Map<String, String> serviceEnv(int port, String instance) {
        Map<String, String> env = new HashMap<>();
        env.put("SERVER_PORT", Integer.toString(port));
        env.put("SERVER_ADDRESS", Ports.LOOPBACK);
        env.put("KAFKA_BOOTSTRAP_SERVERS", config.kafkaBootstrap());
        env.put("S3_ENDPOINT", config.s3Endpoint());
        env.put("S3_ACCESS_KEY", config.s3AccessKey());
        env.put("S3_SECRET_KEY", config.s3SecretKey());
        env.put("S3_BUCKET", config.s3Bucket());
        env.put("TTS_REQUEST_PARTITIONS", Integer.toString(config.requestPartitions()));
        env.put("INSTANCE_ID", instance);
        env.put("STORAGE_SERVICE_URL", "http://" + Ports.LOOPBACK + ":" + config.storageServicePort());
        env.put("LOCAL_STACK_HOME", config.home().toString());
        env.put("OPT_OUT_TRACKING", "true");
        return env;
    }

    private void printSummary(Duration took) {
        out.printf("%nlocal stack is up in %.1f s%n", took.toMillis() / 1000.0);
        out.printf("  %-18s %-28s data %s%n", "kafka (KRaft)", config.kafkaBootstrap(),
                config.dataDir().resolve("kafka"));
        out.printf("  %-18s %-28s bucket %s, access key %s, secret %s, data %s%n", "s3 (S3Proxy)",
                config.s3Endpoint(), config.s3Bucket(), config.s3AccessKey(), config.s3SecretKey(),
                config.dataDir().resolve("s3"));
        for (ChildService s : services) {
            out.printf("  %-18s %-28s%n", s.name(), s.url());
            if (s.name().equals("ingest-api")) {
                out.printf("  %-18s %-28s open it in a browser%n", "studio", s.url().resolve("/"));
            }
        }
        out.printf("  topics: %s (requests: %d partitions)%n", String.join(", ", Topics.all()),
                config.requestPartitions());
        out.println("Ctrl-C stops everything.");
        out.flush();
    }

    /**
     * Stops the services and starts each again as a new JVM on the same broker and storage, as a rolling update or
     * a worker the autoscaler adds meets them; returns once every service is ready again.
     */
    public synchronized void restartServices() {
        for (int i = services.size() - 1; i >= 0; i--) {
            services.get(i).stop();
        }
        services.clear();
        startServices();
    }

    /** Stops the services, then storage, then the broker. Safe to call twice. */
    @Override
    public synchronized void close() {
        for (int i = services.size() - 1; i >= 0; i--) {
            services.get(i).stop();
        }
        services.clear();
        s3.stop();
        kafka.stop();
        log.info("event=local_stack_stopped");
    }
}
