package dev.csmpipeline.localstack;

import dev.csmpipeline.storage.client.ObjectStorage;
import dev.csmpipeline.storage.client.StorageSettings;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Properties;
import org.gaul.s3proxy.BlobStores;
import org.gaul.s3proxy.S3Proxy;
import org.gaul.s3proxy.auth.AuthenticationType;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An S3-compatible server (S3Proxy) in this JVM on 127.0.0.1, storing objects under a folder (or in memory when
 * the folder is null), with AWS signature v2/v4 authentication and the pipeline's bucket created.
 */
public final class S3Server implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(S3Server.class);

    private final Path baseDir;
    private final int port;
    private final String accessKey;
    private final String secretKey;
    private final String bucket;
    private S3Proxy proxy;

    /**
     * @param baseDir   folder holding the objects; null keeps them in memory
     * @param port      port on 127.0.0.1 (0 picks a free one)
     * @param accessKey access key clients sign with
     * @param secretKey secret key clients sign with
     * @param bucket    bucket created at start
     */
    public S3Server(Path baseDir, int port, String accessKey, String secretKey, String bucket) {
        this.baseDir = baseDir == null ? null : baseDir.toAbsolutePath();
        this.port = port == 0 ? Ports.freePort() : port;
        this.accessKey = accessKey;
        this.secretKey = secretKey;
        this.bucket = bucket;
    }

    public synchronized void start() {
        if (proxy != null) {
            return;
        }
        Ports.requireFree(port, "the S3 server", "S3_PORT");
        Properties props = new Properties();
        String provider = "transient";
        if (baseDir != null) {
            try {
                Files.createDirectories(baseDir);
            } catch (IOException e) {
                throw new StartupException("cannot create the S3 data folder " + baseDir + ": " + e.getMessage(), e);
            }
            if (!Files.isWritable(baseDir)) {
                throw new StartupException("the S3 data folder " + baseDir + " is not writable: fix its "
                        + "permissions or set LOCAL_STACK_DATA_DIR to a writable folder");
            }
            props.setProperty("jclouds.filesystem.basedir", baseDir.toString());
            provider = "filesystem";
        }
        try {
            S3Proxy p = S3Proxy.builder()
                    .blobStore(BlobStores.create(provider, props))
                    .endpoint(URI.create("http://" + Ports.LOOPBACK + ":" + port))
                    .awsAuthentication(AuthenticationType.AWS_V2_OR_V4, accessKey, secretKey)
                    .ignoreUnknownHeaders(true)
                    .build();
            p.start();
            while (!"STARTED".equals(p.getState())) {
                if ("FAILED".equals(p.getState())) {
                    throw new StartupException("the S3 server failed to start on port " + port);
                }
                Ports.sleep(java.time.Duration.ofMillis(20));
            }
            proxy = p;
        } catch (StartupException e) {
            throw e;
        } catch (Exception e) {
            throw new StartupException("cannot start the S3 server on port " + port + ": " + e.getMessage(), e);
        }
        try (ObjectStorage storage = new ObjectStorage(settings())) {
            storage.ensureBucket();
        }
        log.info("event=s3_started endpoint={} bucket={} data={}", endpoint(), bucket,
                baseDir == null ? "memory" : baseDir);
    }

    public synchronized void stop() {
        if (proxy == null) {
            return;
        }
        try {
            proxy.stop();
        } catch (Exception e) {
            log.warn("event=s3_stop_failed reason={}", e.toString());
        }
        proxy = null;
    }

    public synchronized boolean isRunning() {
        return proxy != null;
    }

    public URI endpoint() {
        return URI.create("http://" + Ports.LOOPBACK + ":" + port);
    }

    public int port() {
        return port;
    }

    public String accessKey() {
        return accessKey;
    }

    public String secretKey() {
        return secretKey;
    }

    public String bucket() {
        return bucket;
    }

    /** Client settings for this server. */
    public StorageSettings settings() {
        return new StorageSettings(endpoint(), null, accessKey, secretKey, bucket, null);
    }

    @Override
    public void close() {
        stop();
    }
}
