package dev.csmpipeline.storage.client;

import java.net.URI;
import java.util.Objects;

/**
 * Where the bucket is and how to reach it.
 *
 * @param endpoint       S3 API endpoint the services use, e.g. {@code http://127.0.0.1:9000}
 * @param publicEndpoint endpoint written into presigned URLs for clients (often the same); null means endpoint
 * @param accessKey      access key id
 * @param secretKey      secret key
 * @param bucket         the one private bucket
 * @param region         region to sign for; fixed so the client never asks the server for it
 */
public record StorageSettings(URI endpoint, URI publicEndpoint, String accessKey, String secretKey, String bucket,
                              String region) {

    public StorageSettings {
        Objects.requireNonNull(endpoint, "S3 endpoint is required (S3_ENDPOINT)");
        Objects.requireNonNull(accessKey, "S3 access key is required (S3_ACCESS_KEY)");
        Objects.requireNonNull(secretKey, "S3 secret key is required (S3_SECRET_KEY)");
        Objects.requireNonNull(bucket, "S3 bucket is required (S3_BUCKET)");
        region = region == null || region.isBlank() ? "us-east-1" : region;
        publicEndpoint = publicEndpoint == null ? endpoint : publicEndpoint;
    }

    /** Same settings, without printing the secret. */
    @Override
    public String toString() {
        return "StorageSettings[endpoint=" + endpoint + ", publicEndpoint=" + publicEndpoint + ", accessKey="
                + accessKey + ", bucket=" + bucket + ", region=" + region + "]";
    }
}
