package dev.csmpipeline.model;

/**
 * Where a finished job's audio lies and what it is.
 *
 * @param objectKey  key in the bucket, e.g. {@code audio/<jobId>.wav}
 * @param durationMs audio duration, from the sample count
 * @param sampleRate samples per second (24,000 for CSM)
 * @param byteSize   size of the stored object
 * @param sha256     hex SHA-256 of the stored object
 * @param frames     audio frames generated (80 ms each)
 * @param synthesisMs engine time spent on it, when known (sync overhead is measured against it)
 */
public record AudioResult(String objectKey, long durationMs, int sampleRate, long byteSize, String sha256,
                          Integer frames, Long synthesisMs) {

    public AudioResult(String objectKey, long durationMs, int sampleRate, long byteSize, String sha256,
                       Integer frames) {
        this(objectKey, durationMs, sampleRate, byteSize, sha256, frames, null);
    }

    public AudioResult withSynthesisMs(long ms) {
        return new AudioResult(objectKey, durationMs, sampleRate, byteSize, sha256, frames, ms);
    }
}
