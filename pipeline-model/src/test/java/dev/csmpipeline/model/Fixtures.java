package dev.csmpipeline.model;

import java.time.Instant;

final class Fixtures {

    static final Instant T0 = Instant.parse("2026-11-25T10:00:00Z");

    private Fixtures() {
    }

    static SynthesisRequest validRequest() {
        return new SynthesisRequest("job-1", JobKind.ASYNC, "Hello from Maya!", 0, 10_000,
                new Sampling(0.9, 50, 42L), AudioFormat.WAV, "default", T0, null, null);
    }

    static SynthesisRequest segmentRequest() {
        return new SynthesisRequest("nar-1-s0003", JobKind.NARRATION_SEGMENT, "Chapter one.", 1, 20_000,
                null, null, "acme", T0, null, new NarrationRef("nar-1", 3, 10));
    }

    static Instant t(int seconds) {
        return T0.plusSeconds(seconds);
    }
}
