package dev.csmpipeline.service;

import dev.csmpipeline.storage.client.StorageSettings;
import java.net.URI;
import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * The bucket, from S3_ENDPOINT, S3_PUBLIC_ENDPOINT, S3_ACCESS_KEY, S3_SECRET_KEY, S3_BUCKET and S3_REGION. Defaults
 * point at the local stack's S3 server.
 */
@ConfigurationProperties("s3")
public record S3Properties(URI endpoint, URI publicEndpoint, String accessKey, String secretKey, String bucket,
                           String region) {

    public S3Properties {
        endpoint = endpoint == null ? URI.create("http://127.0.0.1:9000") : endpoint;
        accessKey = accessKey == null ? "csm-dev" : accessKey;
        secretKey = secretKey == null ? "csm-dev-secret" : secretKey;
        bucket = bucket == null ? "csm-audio" : bucket;
    }

    public StorageSettings toSettings() {
        return new StorageSettings(endpoint, publicEndpoint, accessKey, secretKey, bucket, region);
    }

    @Override
    public String toString() {
        return toSettings().toString();
    }
}
