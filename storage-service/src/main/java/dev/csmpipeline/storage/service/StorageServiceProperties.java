package dev.csmpipeline.storage.service;

import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * The storage service, from STORAGE_* environment variables.
 *
 * @param retention     audio older than this is deleted and its job marked EXPIRED (STORAGE_RETENTION, e.g. P7D)
 * @param sweepInterval how often the retention sweep runs (STORAGE_SWEEP_INTERVAL)
 * @param instanceId    id in logs and events (STORAGE_INSTANCE_ID; defaults to INSTANCE_ID or HOSTNAME)
 */
@ConfigurationProperties("storage")
public record StorageServiceProperties(Duration retention, Duration sweepInterval, String instanceId) {

    public StorageServiceProperties {
        retention = retention == null ? Duration.ofDays(7) : retention;
        sweepInterval = sweepInterval == null ? Duration.ofHours(1) : sweepInterval;
        if (instanceId == null || instanceId.isBlank()) {
            String id = System.getenv("INSTANCE_ID");
            if (id == null || id.isBlank()) {
                id = System.getenv("HOSTNAME");
            }
            instanceId = id == null || id.isBlank() ? "storage-" + ProcessHandle.current().pid() : id;
        }
    }
}
