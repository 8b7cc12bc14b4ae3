package dev.csmpipeline.ingest;

import java.nio.file.Path;
import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * The ingest API, from INGEST_* environment variables.
 *
 * @param instanceId       this instance's id (INGEST_INSTANCE_ID; defaults to INSTANCE_ID or HOSTNAME)
 * @param advertisedHost   host name other instances reach this one at, for status queries routed to the owner of
 *                         a job (INGEST_ADVERTISED_HOST; the pod IP in Kubernetes)
 * @param stateDir         Kafka Streams state folder (INGEST_STATE_DIR)
 * @param audioDelivery    {@code stream} the WAV through the API (with Range support) or {@code redirect} to a
 *                         presigned URL (INGEST_AUDIO_DELIVERY)
 * @param presignTtl       lifetime of presigned audio URLs (INGEST_PRESIGN_TTL)
 * @param readYourWrite    how long a status query waits for a job accepted a moment ago to reach the status
 *                         table before answering 404 (INGEST_READ_YOUR_WRITE)
 * @param replyPartition   partition of tts.replies this instance reads for its sync calls; -1 derives one from
 *                         the instance id (INGEST_REPLY_PARTITION)
 * @param syncWaitMargin   added to the audio length to bound how long a sync call waits (INGEST_SYNC_WAIT_MARGIN)
 * @param syncRealTimeFactor expected synthesis time per second of audio, for the sync wait bound
 *                         (INGEST_SYNC_REAL_TIME_FACTOR)
 */
@ConfigurationProperties("ingest")
public record IngestProperties(String instanceId, String advertisedHost, Path stateDir, String audioDelivery,
                               Duration presignTtl, Duration readYourWrite, Integer replyPartition,
                               Duration syncWaitMargin, Double syncRealTimeFactor) {

    public IngestProperties {
        instanceId = instanceId == null || instanceId.isBlank() ? defaultId() : instanceId;
        advertisedHost = advertisedHost == null || advertisedHost.isBlank() ? "127.0.0.1" : advertisedHost;
        audioDelivery = audioDelivery == null || audioDelivery.isBlank() ? "stream" : audioDelivery;
        if (!audioDelivery.equals("stream") && !audioDelivery.equals("redirect")) {
            throw new IllegalArgumentException("INGEST_AUDIO_DELIVERY must be stream or redirect, was '"
                    + audioDelivery + "'");
        }
        presignTtl = presignTtl == null ? Duration.ofMinutes(15) : presignTtl;
        readYourWrite = readYourWrite == null ? Duration.ofSeconds(5) : readYourWrite;
        replyPartition = replyPartition == null ? -1 : replyPartition;
        syncWaitMargin = syncWaitMargin == null ? Duration.ofSeconds(30) : syncWaitMargin;
        syncRealTimeFactor = syncRealTimeFactor == null ? 3.0 : syncRealTimeFactor;
    }

    public boolean redirectAudio() {
        return audioDelivery.equals("redirect");
    }

    private static String defaultId() {
        String id = System.getenv("INSTANCE_ID");
        if (id == null || id.isBlank()) {
            id = System.getenv("HOSTNAME");
        }
        return id == null || id.isBlank() ? "ingest-" + ProcessHandle.current().pid() : id;
    }
}
