package dev.csmpipeline.testsupport;

import dev.csmpipeline.localstack.KafkaBrokerProcess;
import dev.csmpipeline.localstack.Ports;
import dev.csmpipeline.localstack.S3Server;
import dev.csmpipeline.storage.client.StorageSettings;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;
import org.springframework.kafka.test.EmbeddedKafkaKraftBroker;

/**
 * A real broker and S3 server without Docker: an in-JVM KRaft broker from spring-kafka-test (or, for restart tests,
 * a child-process broker on a fixed port with its data on disk) and S3Proxy in this JVM with a filesystem store.
 */
final class EmbeddedInfra implements PipelineInfra, AutoCloseable {

    static final String ACCESS_KEY = "test-access";
    static final String SECRET_KEY = "test-secret-key";
    static final String BUCKET = "csm-test";

    private final Path dir;
    private final EmbeddedKafkaKraftBroker embedded;
    private final KafkaBrokerProcess process;
    private final S3Server s3;

    EmbeddedInfra(boolean restartableBroker) {
        try {
            dir = Files.createTempDirectory("pipeline-infra-");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        if (restartableBroker) {
            embedded = null;
            process = new KafkaBrokerProcess(dir.resolve("kafka"), Ports.freePort(), Ports.freePort(), "384m");
            process.start();
        } else {
            process = null;
            embedded = new EmbeddedKafkaKraftBroker(1, 1);
            embedded.brokerProperties(java.util.Map.of(
                    "offsets.topic.num.partitions", "1",
                    "transaction.state.log.replication.factor", "1",
                    "transaction.state.log.min.isr", "1",
                    "transaction.state.log.num.partitions", "1",
                    "group.initial.rebalance.delay.ms", "0",
                    "group.consumer.min.heartbeat.interval.ms", "1000",
                    "group.consumer.heartbeat.interval.ms", "1000",
                    "group.consumer.min.session.timeout.ms", "10000",
                    "group.consumer.session.timeout.ms", "20000",
                    "auto.create.topics.enable", "false"));
            embedded.afterPropertiesSet();
        }
        s3 = new S3Server(dir.resolve("s3"), 0, ACCESS_KEY, SECRET_KEY, BUCKET);
        s3.start();
    }

    @Override
    public String kafkaBootstrapServers() {
        return embedded != null ? embedded.getBrokersAsString() : process.bootstrapServers();
    }

    @Override
    public StorageSettings storageSettings() {
        return s3.settings();
    }

    @Override
    public String kind() {
        return embedded != null ? "embedded (in-JVM KRaft broker, S3Proxy)" : "embedded (child-process broker, S3Proxy)";
    }

    @Override
    public void stopBroker() {
        requireRestartable().stop();
    }

    @Override
    public void startBroker() {
        requireRestartable().start();
    }

    private KafkaBrokerProcess requireRestartable() {
        if (process == null) {
            throw new IllegalStateException("this broker cannot restart: annotate the test class with "
                    + "@WithPipelineInfra(restartableBroker = true)");
        }
        return process;
    }

    @Override
    public void stopStorage() {
        s3.stop();
    }

    @Override
    public void startStorage() {
        s3.start();
    }

    @Override
    public void close() {
        s3.stop();
        if (embedded != null) {
            embedded.destroy();
        }
        if (process != null) {
            process.stop();
        }
        deleteQuietly(dir);
    }

    private static void deleteQuietly(Path root) {
        try (Stream<Path> paths = Files.walk(root)) {
            paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            // temp folder; the OS cleans it eventually
        }
    }
}
