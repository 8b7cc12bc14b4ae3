package dev.csmpipeline.model;

import java.time.Duration;
import java.time.Instant;

/**
 * Warm-up traffic: the calls a service makes to itself while it starts, before it reports ready, so that its first
 * real request runs code that has run before (the Python server lists a slow first request as a known problem).
 * Warm-up requests carry a reserved tenant, and what they produce goes to {@link Topics#WARM_UP}, with two
 * exceptions, each so that code only a job topic's records run has run before the first real request: a worker
 * writes one warm-up request to each of its own interactive partitions (its consumer fetches it, it commits it), and
 * an ingest instance's warm-up calls write their ACCEPTED and SUCCEEDED events to {@link Topics#EVENTS}, whose
 * status table removes a warm-up job's row when it ends.
 */
public final class WarmUp {

    /** The tenant of every warm-up request. Reserved: no API key may map to it. */
    public static final String TENANT = "warm-up";
    /** Audio each warm-up call asks for: the length of a short interactive call (5 frames). */
    public static final int AUDIO_MS = 5 * Limits.MS_PER_FRAME;
    /**
     * Audio the one full-length warm-up call asks for by default (WARMUP_FULL_CALL_MS): what a call that leaves
     * {@code max_audio_length_ms} out gets, the README's call. Its answer is 25 times a short one's, so its loops
     * (the model's caches, the WAV, base64, the reply's bytes through Kafka and HTTP) run long enough to be compiled
     * and their buffers sized. After short warm-up calls only, the first such call paid for that: over 20 first calls
     * of the README's call after a start, its way back to the caller cost 48 ms more than a steady call's (median),
     * 27 ms with this call, and the worker's page faults during it fell from 4,000-5,600 to about 1,040
     * (docs/BENCHMARKS.md, "Cold start").
     */
    public static final int FULL_AUDIO_MS = Limits.MAX_AUDIO_LENGTH_MS_DEFAULT;
    /** Samples per second of the silent audio an ingest instance answers its own warm-up calls with (Mimi's). */
    public static final int SAMPLE_RATE = 24_000;
    private static final String[] TEXTS = {"Warming up.", "Warming up the speech path.",
        "Warming up the speech path with a longer sentence than the others."};

    private WarmUp() {
    }

    /** Whether {@code request} is warm-up traffic. */
    public static boolean isWarmUp(SynthesisRequest request) {
        return TENANT.equals(request.tenant());
    }

    /** The text of warm-up call {@code i}: prompts of different lengths, as real calls have. */
    public static String text(int i) {
        return TEXTS[Math.floorMod(i, TEXTS.length)];
    }

    /** Warm-up call {@code i} as a short sync request ({@link #AUDIO_MS}), see {@link #syncRequest(int, int, Instant)}. */
    public static SynthesisRequest syncRequest(int i, Instant now) {
        return syncRequest(i, AUDIO_MS, now);
    }

    /** Warm-up call {@code i} as a sync request for {@code audioMs}, with a fresh job id and the default sampling, seeded. */
    public static SynthesisRequest syncRequest(int i, int audioMs, Instant now) {
        return new SynthesisRequest(JobIds.newId(now), JobKind.SYNC, text(i), 0, audioMs,
                new Sampling(null, null, (long) i), AudioFormat.WAV, TENANT, now, now.plus(Duration.ofMinutes(1)),
                null, null, null);
    }
}
