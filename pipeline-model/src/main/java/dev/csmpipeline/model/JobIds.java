package dev.csmpipeline.model;

import java.security.SecureRandom;
import java.time.Instant;
import java.util.Optional;
import java.util.UUID;

/**
 * Job and narration ids: UUID version 7 (RFC 9562). The first 48 bits are the creation time in milliseconds, so
 * ids sort by age and a reader can tell a job accepted a moment ago from an unknown one; the other 74 bits come
 * from {@link SecureRandom}, so ids cannot be guessed.
 */
public final class JobIds {

    private static final SecureRandom RANDOM = new SecureRandom();

    private JobIds() {
    }

    public static String newId() {
        return newId(Instant.now());
    }

    public static String newId(Instant now) {
        byte[] random = new byte[10];
        RANDOM.nextBytes(random);
        long millis = now.toEpochMilli();
        long msb = (millis << 16) | 0x7000L | ((random[0] & 0x0FL) << 8) | (random[1] & 0xFFL);
        long lsb = 0x8000000000000000L | ((random[2] & 0x3FL) << 56);
        for (int i = 3; i < 10; i++) {
            lsb |= (random[i] & 0xFFL) << (8 * (9 - i));
        }
        return new UUID(msb, lsb).toString();
    }

    /** Creation time of a version-7 id, or empty when {@code id} is not one. */
    public static Optional<Instant> createdAt(String id) {
        try {
            UUID uuid = UUID.fromString(id);
            if (uuid.version() != 7 || uuid.variant() != 2) {
                return Optional.empty();
            }
            return Optional.of(Instant.ofEpochMilli(uuid.getMostSignificantBits() >>> 16));
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
    }
}
