package dev.csmpipeline.localstack;

import dev.csmpipeline.model.Topics;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * Settings of the local stack, read from environment variables with defaults that run on one laptop. The services
 * it starts read the same names (KAFKA_BOOTSTRAP_SERVERS, S3_ENDPOINT, ...), as do docker-compose and Kubernetes.
 */
public record LocalStackConfig(
        Path home,
        Path dataDir,
        int kafkaPort,
        int kafkaControllerPort,
        int s3Port,
        String s3AccessKey,
        String s3SecretKey,
        String s3Bucket,
        int requestPartitions,
        int ingestPort,
        int storageServicePort,
        int workerPort,
        int workers,
        List<String> services,
        String serviceHeap,
        KafkaBrokerProcess.Jvm kafkaJvm,
        KafkaBrokerProcess.Flush kafkaFlush) {

    /** Development credentials of the local S3 server; never used outside one machine. */
    public static final String DEV_ACCESS_KEY = "csm-dev";
    public static final String DEV_SECRET_KEY = "csm-dev-secret";
    public static final String DEFAULT_BUCKET = "csm-audio";
    public static final List<String> ALL_SERVICES = List.of("storage-service", "inference-worker", "ingest-api");

    public static LocalStackConfig fromEnvironment(Map<String, String> env) {
        Path home = Path.of(env.getOrDefault("LOCAL_STACK_HOME", ".")).toAbsolutePath().normalize();
        return new LocalStackConfig(
                home,
                home.resolve(env.getOrDefault("LOCAL_STACK_DATA_DIR", "data")).normalize(),
                intOf(env, "KAFKA_PORT", 9092),
                intOf(env, "KAFKA_CONTROLLER_PORT", 9093),
                intOf(env, "S3_PORT", 9000),
                env.getOrDefault("S3_ACCESS_KEY", DEV_ACCESS_KEY),
                env.getOrDefault("S3_SECRET_KEY", DEV_SECRET_KEY),
                env.getOrDefault("S3_BUCKET", DEFAULT_BUCKET),
                intOf(env, "TTS_REQUEST_PARTITIONS", Topics.DEFAULT_REQUEST_PARTITIONS),
                intOf(env, "INGEST_API_PORT", 8000),
                intOf(env, "STORAGE_SERVICE_PORT", 8001),
                intOf(env, "INFERENCE_WORKER_PORT", 8002),
                intOf(env, "LOCAL_STACK_WORKERS", 1),
                Arrays.stream(env.getOrDefault("LOCAL_STACK_SERVICES", String.join(",", ALL_SERVICES)).split(","))
                        .map(String::trim).filter(s -> !s.isEmpty()).toList(),
                env.getOrDefault("LOCAL_STACK_SERVICE_HEAP", "768m"),
                enumOf(env, "LOCAL_STACK_KAFKA_JVM", KafkaBrokerProcess.Jvm.FAST_START),
                enumOf(env, "LOCAL_STACK_KAFKA_FLUSH", KafkaBrokerProcess.Flush.EVERY_MESSAGE));
    }

    private static int intOf(Map<String, String> env, String name, int fallback) {
        String v = env.get(name);
        if (v == null || v.isBlank()) {
            return fallback;
        }
        try {
            return Integer.parseInt(v.trim());
        } catch (NumberFormatException e) {
            throw new StartupException(name + " must be a whole number, was '" + v + "'");
        }
    }

    /** {@code fast-start} for {@code FAST_START}: the enum's names in lower case with dashes. */
    private static <E extends Enum<E>> E enumOf(Map<String, String> env, String name, E fallback) {
        String v = env.get(name);
        if (v == null || v.isBlank()) {
            return fallback;
        }
        for (E e : fallback.getDeclaringClass().getEnumConstants()) {
            if (e.name().equalsIgnoreCase(v.trim().replace('-', '_'))) {
                return e;
            }
        }
        throw new StartupException(name + " must be one of " + Arrays.stream(fallback.getDeclaringClass()
                .getEnumConstants()).map(e -> e.name().toLowerCase(java.util.Locale.ROOT).replace('_', '-')).toList()
                + ", was '" + v + "'");
    }

    public String kafkaBootstrap() {
        return Ports.LOOPBACK + ":" + kafkaPort;
    }

    public String s3Endpoint() {
        return "http://" + Ports.LOOPBACK + ":" + s3Port;
    }

    /** The executable jar of a service module, as Maven builds it. */
    public Path jarOf(String service) {
        return home.resolve(service).resolve("target").resolve(service + "-exec.jar");
    }
}
