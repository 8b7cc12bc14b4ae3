package dev.csmpipeline.storage.service.retention;

import dev.csmpipeline.model.JobEvent;
import dev.csmpipeline.model.Topics;
import dev.csmpipeline.storage.client.ObjectKeys;
import dev.csmpipeline.storage.client.ObjectStorage;
import dev.csmpipeline.storage.client.StoredObject;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.kafka.core.KafkaTemplate;

/**
 * Deletes audio older than the retention period and marks its jobs EXPIRED. Job audio ({@code audio/<id>.wav})
 * expires per object; a narration expires as a whole once its final audio is older than the period. Deleting is
 * idempotent, so several storage-service instances may sweep at once.
 */
public class RetentionSweep {

    private static final Logger log = LoggerFactory.getLogger(RetentionSweep.class);

    private final ObjectStorage storage;
    private final KafkaTemplate<String, Object> kafka;
    private final Duration retention;
    private final Clock clock;

    public RetentionSweep(ObjectStorage storage, KafkaTemplate<String, Object> kafka, Duration retention, Clock clock) {
        this.storage = storage;
        this.kafka = kafka;
        this.retention = retention;
        this.clock = clock;
    }

    /** What one sweep removed. */
    public record Result(int jobsExpired, int narrationsExpired, int objectsDeleted) {
    }

    public Result sweep() {
        Instant cutoff = clock.instant().minus(retention);
        int jobs = 0;
        int deleted = 0;
        for (StoredObject o : storage.list(ObjectKeys.AUDIO_PREFIX)) {
            if (isOlder(o, cutoff)) {
                String jobId = jobIdOf(o.key());
                storage.delete(o.key());
                deleted++;
                if (jobId != null) {
                    kafka.send(Topics.EVENTS, jobId, JobEvent.expired(jobId, null, clock.instant()));
                    jobs++;
                }
            }
        }
        Set<String> narrations = new LinkedHashSet<>();
        List<StoredObject> narrationObjects = storage.list(ObjectKeys.NARRATIONS_PREFIX);
        for (StoredObject o : narrationObjects) {
            if (o.key().endsWith("/final.wav") && isOlder(o, cutoff)) {
                narrations.add(o.key().substring(ObjectKeys.NARRATIONS_PREFIX.length(), o.key().indexOf("/final.wav")));
            }
        }
        for (String id : narrations) {
            for (StoredObject o : narrationObjects) {
                if (o.key().startsWith(ObjectKeys.narrationPrefix(id))) {
                    storage.delete(o.key());
                    deleted++;
                }
            }
            kafka.send(Topics.EVENTS, id, JobEvent.expired(id, null, clock.instant()));
        }
        kafka.flush();
        Result r = new Result(jobs, narrations.size(), deleted);
        log.info("event=retention_sweep jobs_expired={} narrations_expired={} objects_deleted={} cutoff={}",
                r.jobsExpired(), r.narrationsExpired(), r.objectsDeleted(), cutoff);
        return r;
    }

    private static boolean isOlder(StoredObject o, Instant cutoff) {
        return o.lastModified() != null && o.lastModified().isBefore(cutoff);
    }

    /** {@code audio/<id>.wav} to {@code <id>}; null for other keys. */
    static String jobIdOf(String key) {
        if (!key.startsWith(ObjectKeys.AUDIO_PREFIX) || !key.endsWith(".wav")) {
            return null;
        }
        String id = key.substring(ObjectKeys.AUDIO_PREFIX.length(), key.length() - ".wav".length());
        return id.isEmpty() || id.contains("/") ? null : id;
    }
}
