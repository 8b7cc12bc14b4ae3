package dev.csmpipeline.testsupport;

import dev.csmpipeline.storage.client.ObjectStorage;
import dev.csmpipeline.storage.client.StorageSettings;

/**
 * A running Kafka broker and S3-compatible server for one test class, with the pipeline's topics and bucket
 * created. Tests do not know whether they got containers or in-process servers.
 */
public interface PipelineInfra {

    /** Bootstrap servers of the broker. */
    String kafkaBootstrapServers();

    /** Endpoint, credentials and bucket of the S3 server. */
    StorageSettings storageSettings();

    /** What serves this infrastructure, for log lines: {@code testcontainers} or {@code embedded}. */
    String kind();

    /** A new client of the bucket; the caller closes it. */
    default ObjectStorage newStorage() {
        return new ObjectStorage(storageSettings());
    }

    /** Stops the broker, keeping its data, as an outage would (restartable infrastructure only). */
    void stopBroker();

    /** Starts the broker again on the same address (restartable infrastructure only). */
    void startBroker();

    /** Makes the S3 server unavailable, keeping its objects. */
    void stopStorage();

    /** Brings the S3 server back on the same address with the same objects. */
    void startStorage();
}
