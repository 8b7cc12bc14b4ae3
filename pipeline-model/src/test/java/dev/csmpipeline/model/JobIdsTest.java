package dev.csmpipeline.model;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.HashSet;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.Test;

class JobIdsTest {

    @Test
    void idsAreVersion7UuidsCarryingTheirCreationTime() {
        Instant now = Instant.parse("2026-11-25T10:00:00.123Z");
        String id = JobIds.newId(now);
        UUID uuid = UUID.fromString(id);
        assertThat(uuid.version()).isEqualTo(7);
        assertThat(uuid.variant()).isEqualTo(2);
        assertThat(JobIds.createdAt(id)).contains(now);
    }

    @Test
    void idsSortByCreationTime() {
        String earlier = JobIds.newId(Instant.parse("2026-11-25T10:00:00Z"));
        String later = JobIds.newId(Instant.parse("2026-11-25T10:00:01Z"));
        assertThat(earlier).isLessThan(later);
    }

    @Test
    void idsDoNotRepeat() {
        Set<String> ids = new HashSet<>();
        Instant sameMillisecond = Instant.now();
        for (int i = 0; i < 10_000; i++) {
            ids.add(JobIds.newId(sameMillisecond));
        }
        assertThat(ids).hasSize(10_000);
    }

    @Test
    void otherStringsHaveNoCreationTime() {
        assertThat(JobIds.createdAt("not-a-uuid")).isEmpty();
        assertThat(JobIds.createdAt(UUID.randomUUID().toString())).isEmpty();
    }

    @Test
    void idsPassIdValidation() {
        assertThat(Validation.id("job_id", JobIds.newId())).isNull();
    }
}
