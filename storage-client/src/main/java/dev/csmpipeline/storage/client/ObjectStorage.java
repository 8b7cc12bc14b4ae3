package dev.csmpipeline.storage.client;

import io.minio.BucketExistsArgs;
import io.minio.GetObjectArgs;
import io.minio.GetPresignedObjectUrlArgs;
import io.minio.ListObjectsArgs;
import io.minio.MakeBucketArgs;
import io.minio.MinioClient;
import io.minio.PutObjectArgs;
import io.minio.RemoveObjectArgs;
import io.minio.Result;
import io.minio.StatObjectArgs;
import io.minio.StatObjectResponse;
import io.minio.errors.ErrorResponseException;
import io.minio.http.Method;
import io.minio.messages.Item;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The bucket client every service uses: put, get, stat, range read, presign, list, delete. Each object is written
 * with its content type and its SHA-256 as user metadata ({@code sha256}).
 */
public final class ObjectStorage implements AutoCloseable {

    /** User-metadata key of the SHA-256 recorded at upload. */
    public static final String SHA256_METADATA = "sha256";
    public static final String WAV_CONTENT_TYPE = "audio/wav";
    public static final String JSON_CONTENT_TYPE = "application/json";

    private static final Logger log = LoggerFactory.getLogger(ObjectStorage.class);
    private static final Set<String> NOT_FOUND_CODES = Set.of("NoSuchKey", "NoSuchObject", "NotFound");
    private static final long MULTIPART_PART_SIZE = 16L * 1024 * 1024;

    private final StorageSettings settings;
    private final MinioClient client;
    private final MinioClient presigner;

    public ObjectStorage(StorageSettings settings) {
        this.settings = settings;
        this.client = build(settings.endpoint().toString(), settings);
        this.presigner = settings.publicEndpoint().equals(settings.endpoint())
                ? client : build(settings.publicEndpoint().toString(), settings);
    }

    private static MinioClient build(String endpoint, StorageSettings s) {
        return MinioClient.builder().endpoint(endpoint).credentials(s.accessKey(), s.secretKey())
                .region(s.region()).build();
    }

    public String bucket() {
        return settings.bucket();
    }

    /** Creates the bucket when it does not exist. */
    public void ensureBucket() {
        call("create bucket " + bucket(), () -> {
            if (!client.bucketExists(BucketExistsArgs.builder().bucket(bucket()).build())) {
                client.makeBucket(MakeBucketArgs.builder().bucket(bucket()).build());
                log.info("event=bucket_created bucket={}", bucket());
            }
            return null;
        });
    }

    /** True when the bucket answers. */
    public boolean isReachable() {
        try {
            return client.bucketExists(BucketExistsArgs.builder().bucket(bucket()).build());
        } catch (Exception e) {
            return false;
        }
    }

    /** Writes {@code data} at {@code key}, recording its SHA-256; returns what was stored. */
    public StoredObject put(String key, byte[] data, String contentType, Map<String, String> metadata) {
        String sha256 = sha256Hex(data);
        Map<String, String> meta = new LinkedHashMap<>(metadata);
        meta.put(SHA256_METADATA, sha256);
        call("put " + key, () -> client.putObject(PutObjectArgs.builder().bucket(bucket()).object(key)
                .stream(new ByteArrayInputStream(data), data.length, -1).contentType(contentType)
                .userMetadata(meta).build()));
        return new StoredObject(key, data.length, contentType, sha256, Instant.now(), Map.copyOf(meta));
    }

    public StoredObject put(String key, byte[] data, String contentType) {
        return put(key, data, contentType, Map.of());
    }

    /**
     * Streams {@code size} bytes to {@code key} (multipart above 16 MiB) with a SHA-256 the caller computed.
     */
    public void putStream(String key, InputStream in, long size, String contentType, String sha256) {
        Map<String, String> meta = sha256 == null ? Map.of() : Map.of(SHA256_METADATA, sha256);
        call("put " + key, () -> client.putObject(PutObjectArgs.builder().bucket(bucket()).object(key)
                .stream(in, size, size > MULTIPART_PART_SIZE ? MULTIPART_PART_SIZE : -1)
                .contentType(contentType).userMetadata(meta).build()));
    }

    /** The whole object, or empty when there is none at {@code key}. */
    public Optional<byte[]> get(String key) {
        return call("get " + key, () -> {
            try (InputStream in = client.getObject(GetObjectArgs.builder().bucket(bucket()).object(key).build())) {
                return Optional.of(in.readAllBytes());
            } catch (ErrorResponseException e) {
                if (isNotFound(e)) {
                    return Optional.empty();
                }
                throw e;
            }
        });
    }

    /**
     * A stream over {@code length} bytes from {@code offset} (HTTP range read); the caller closes it. Throws
     * {@link StorageException} when the object is missing.
     */
    public InputStream openRange(String key, long offset, long length) {
        return call("read " + key + " [" + offset + "+" + length + "]", () -> client.getObject(
                GetObjectArgs.builder().bucket(bucket()).object(key).offset(offset).length(length).build()));
    }

    /** A stream over the whole object; the caller closes it. */
    public InputStream open(String key) {
        return call("read " + key, () -> client.getObject(GetObjectArgs.builder().bucket(bucket()).object(key)
                .build()));
    }

    /** Metadata of the object at {@code key}, or empty when there is none. */
    public Optional<StoredObject> stat(String key) {
        return call("stat " + key, () -> {
            try {
                StatObjectResponse r = client.statObject(StatObjectArgs.builder().bucket(bucket()).object(key)
                        .build());
                Map<String, String> meta = new LinkedHashMap<>();
                r.userMetadata().forEach((k, v) -> meta.put(k.toLowerCase(Locale.ROOT), v));
                return Optional.of(new StoredObject(key, r.size(), r.contentType(), meta.get(SHA256_METADATA),
                        r.lastModified() == null ? null : r.lastModified().toInstant(), Map.copyOf(meta)));
            } catch (ErrorResponseException e) {
                if (isNotFound(e)) {
                    return Optional.empty();
                }
                throw e;
            }
        });
    }

    /** A URL that lets its holder GET the object until {@code ttl} passes; signed offline, no server call. */
    public String presignGet(String key, Duration ttl) {
        return call("presign " + key, () -> presigner.getPresignedObjectUrl(GetPresignedObjectUrlArgs.builder()
                .method(Method.GET).bucket(bucket()).object(key)
                .expiry((int) Math.max(1, ttl.toSeconds()), TimeUnit.SECONDS).build()));
    }

    /** Deletes the object; deleting a missing object is not an error. */
    public void delete(String key) {
        call("delete " + key, () -> {
            client.removeObject(RemoveObjectArgs.builder().bucket(bucket()).object(key).build());
            return null;
        });
    }

    /** Objects whose key starts with {@code prefix}, in key order. */
    public List<StoredObject> list(String prefix) {
        return call("list " + prefix, () -> {
            List<StoredObject> out = new ArrayList<>();
            for (Result<Item> result : client.listObjects(ListObjectsArgs.builder().bucket(bucket())
                    .prefix(prefix).recursive(true).build())) {
                Item item = result.get();
                out.add(new StoredObject(item.objectName(), item.size(), null, null,
                        item.lastModified() == null ? null : item.lastModified().toInstant(), Map.of()));
            }
            return out;
        });
    }

    @Override
    public void close() {
        closeQuietly(client);
        if (presigner != client) {
            closeQuietly(presigner);
        }
    }

    private static void closeQuietly(MinioClient c) {
        try {
            c.close();
        } catch (Exception e) {
            log.debug("event=storage_close_failed reason={}", e.toString());
        }
    }

    public static String sha256Hex(byte[] data) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(data));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 missing from the JVM", e);
        }
    }

    private static boolean isNotFound(ErrorResponseException e) {
        return e.errorResponse() != null && NOT_FOUND_CODES.contains(e.errorResponse().code());
    }

    private interface StorageCall<T> {
        T run() throws Exception;
    }

    private <T> T call(String what, StorageCall<T> action) {
        try {
            return action.run();
        } catch (ErrorResponseException e) {
            int status = e.response() == null ? 0 : e.response().code();
            boolean transientFailure = status >= 500 || status == 429 || status == 408;
            throw new StorageException(what + " in bucket " + bucket() + " failed: "
                    + (e.errorResponse() == null ? e.getMessage() : e.errorResponse().code() + " "
                    + e.errorResponse().message()), e, transientFailure);
        } catch (IOException e) {
            throw new StorageException(what + " in bucket " + bucket() + " failed: storage at "
                    + settings.endpoint() + " unreachable (" + e + ")", e, true);
        } catch (UncheckedIOException e) {
            throw new StorageException(what + " failed: " + e.getCause(), e, true);
        } catch (StorageException e) {
            throw e;
        } catch (RuntimeException e) {
            throw new StorageException(what + " in bucket " + bucket() + " failed: " + e, e, false);
        } catch (Exception e) {
            throw new StorageException(what + " in bucket " + bucket() + " failed: " + e, e,
                    e instanceof io.minio.errors.ServerException || e instanceof io.minio.errors.InternalException);
        }
    }
}
