package dev.csmpipeline.ingest.audio;

import dev.csmpipeline.audio.AudioEncoders;
import dev.csmpipeline.audio.DeliveryFormat;
import dev.csmpipeline.model.audio.Wav;
import dev.csmpipeline.service.ApiError;
import dev.csmpipeline.service.ApiException;
import dev.csmpipeline.service.AudioDelivery;
import dev.csmpipeline.storage.client.ObjectStorage;
import dev.csmpipeline.storage.client.StorageException;
import dev.csmpipeline.storage.client.StoredObject;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.servlet.mvc.method.annotation.StreamingResponseBody;

/**
 * Delivers stored WAV masters in other formats. A job's audio (at most 90 s) is encoded while it streams to the
 * client, never kept. A narration's audio (up to hours) is encoded once per format into the bucket beside its WAV
 * ({@code narrations/{id}/final.mp3}, ...), then served from there with Range like the WAV; those copies are at most
 * one per format and narration, and the retention sweep deletes them with the narration's other objects.
 */
@org.springframework.stereotype.Component
public class EncodedAudio {

    private static final Logger log = LoggerFactory.getLogger(EncodedAudio.class);

    private final ObjectStorage storage;
    private final MeterRegistry metrics;

    public EncodedAudio(ObjectStorage storage, MeterRegistry metrics) {
        this.storage = storage;
        this.metrics = metrics;
    }

    /** The stored WAV {@code wav} of job {@code id}, encoded to {@code format} as it streams (no Range). */
    public ResponseEntity<StreamingResponseBody> streamEncoded(StoredObject wav, DeliveryFormat format, String id) {
        HttpHeaders headers = new HttpHeaders();
        headers.setContentType(MediaType.parseMediaType(format.contentType()));
        headers.set(HttpHeaders.CONTENT_DISPOSITION, "inline; filename=\"" + id + format.extension() + "\"");
        headers.set(HttpHeaders.ACCEPT_RANGES, "none");
        StreamingResponseBody body = out -> encode(wav, format, out, id);
        return ResponseEntity.ok().headers(headers).body(body);
    }

    /**
     * The narration's WAV {@code wav} in {@code format} from its copy at {@code cacheKey}, encoding and storing the
     * copy first when there is none yet; Range is honoured.
     */
    public ResponseEntity<StreamingResponseBody> fromCache(StoredObject wav, DeliveryFormat format, String cacheKey,
                                                           String range, String id) {
        StoredObject copy = storage.stat(cacheKey).orElseGet(() -> encodeIntoBucket(wav, format, cacheKey, id));
        return AudioDelivery.stream(storage, copy, range, id + format.extension());
    }

    private StoredObject encodeIntoBucket(StoredObject wav, DeliveryFormat format, String cacheKey, String id) {
        Path temp = null;
        try {
            temp = Files.createTempFile("csm-encoded-", format.extension());
            try (OutputStream out = Files.newOutputStream(temp)) {
                encode(wav, format, out, id);
            }
            try (InputStream in = Files.newInputStream(temp)) {
                storage.putStream(cacheKey, in, Files.size(temp), format.contentType(), null);
            }
            return storage.stat(cacheKey).orElseThrow(() -> new StorageException(
                    "the encoded copy " + cacheKey + " vanished right after it was stored", null, true));
        } catch (IOException e) {
            throw new UncheckedIOException("encoding " + id + " to " + format.wireName() + " failed", e);
        } finally {
            if (temp != null) {
                try {
                    Files.deleteIfExists(temp);
                } catch (IOException ignored) {
                    // a temp file left behind is removed with the temp folder
                }
            }
        }
    }

    private void encode(StoredObject wav, DeliveryFormat format, OutputStream out, String id) throws IOException {
        long started = System.nanoTime();
        Wav.Info info;
        try (InputStream in = storage.openRange(wav.key(), 0, wav.size())) {
            info = AudioEncoders.transcode(in, format, out);
        } catch (IllegalArgumentException e) {
            throw new ApiException(HttpStatus.INTERNAL_SERVER_ERROR, ApiError.of("audio_unreadable",
                    "the stored audio of " + id + " is not a WAV the encoder can read: " + e.getMessage()));
        }
        long nanos = System.nanoTime() - started;
        metrics.timer("tts.audio.encode", "format", format.wireName()).record(nanos, TimeUnit.NANOSECONDS);
        log.info("event=audio_encoded job={} format={} audio_ms={} encode_ms={}", id, format.wireName(),
                info.durationMs(), nanos / 1_000_000);
    }

    /** The stored WAV of {@code key}, or 410 when it is gone. */
    public StoredObject wavOrGone(String key, String what) {
        Optional<StoredObject> o = storage.stat(key);
        return o.orElseThrow(() -> new ApiException(HttpStatus.GONE,
                ApiError.of("audio_gone", "the audio of " + what + " is no longer stored")));
    }
}
