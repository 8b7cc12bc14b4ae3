package dev.csmpipeline.storage.client;

import java.time.Instant;
import java.util.Map;

/**
 * What the bucket knows of one object.
 *
 * @param key          object key
 * @param size         bytes
 * @param contentType  MIME type
 * @param sha256       hex SHA-256 recorded at upload (user metadata), or null when unknown
 * @param lastModified when it was written
 * @param metadata     user metadata, keys in lower case without the {@code x-amz-meta-} prefix
 */
public record StoredObject(String key, long size, String contentType, String sha256, Instant lastModified,
                           Map<String, String> metadata) {
}
