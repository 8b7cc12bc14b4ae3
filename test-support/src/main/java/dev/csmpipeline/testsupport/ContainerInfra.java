package dev.csmpipeline.testsupport;

import dev.csmpipeline.storage.client.ObjectStorage;
import dev.csmpipeline.storage.client.StorageSettings;
import java.net.URI;
import org.testcontainers.containers.MinIOContainer;
import org.testcontainers.kafka.KafkaContainer;

/** Kafka (apache/kafka, KRaft) and MinIO in containers, where a Docker engine runs. */
final class ContainerInfra implements PipelineInfra, AutoCloseable {

    static final String KAFKA_IMAGE = "apache/kafka:4.1.0";
    static final String MINIO_IMAGE = "minio/minio:RELEASE.2024-12-18T13-15-44Z";
    static final String BUCKET = "csm-test";

    private final KafkaContainer kafka = new KafkaContainer(KAFKA_IMAGE);
    private final MinIOContainer minio = new MinIOContainer(MINIO_IMAGE);

    ContainerInfra() {
        kafka.start();
        minio.start();
        try (ObjectStorage storage = new ObjectStorage(storageSettings())) {
            storage.ensureBucket();
        }
    }

    static boolean dockerAvailable() {
        try {
            return org.testcontainers.DockerClientFactory.instance().isDockerAvailable();
        } catch (Throwable e) {
            return false;
        }
    }

    @Override
    public String kafkaBootstrapServers() {
        return kafka.getBootstrapServers();
    }

    @Override
    public StorageSettings storageSettings() {
        return new StorageSettings(URI.create(minio.getS3URL()), null, minio.getUserName(), minio.getPassword(),
                BUCKET, null);
    }

    @Override
    public String kind() {
        return "testcontainers (" + KAFKA_IMAGE + ", " + MINIO_IMAGE + ")";
    }

    @Override
    public void stopBroker() {
        throw new UnsupportedOperationException("container brokers are not restarted; restart tests use "
                + "@WithPipelineInfra(restartableBroker = true), which runs a child-process broker");
    }

    @Override
    public void startBroker() {
        stopBroker();
    }

    @Override
    public void stopStorage() {
        minio.getDockerClient().pauseContainerCmd(minio.getContainerId()).exec();
    }

    @Override
    public void startStorage() {
        minio.getDockerClient().unpauseContainerCmd(minio.getContainerId()).exec();
    }

    @Override
    public void close() {
        minio.stop();
        kafka.stop();
    }
}
