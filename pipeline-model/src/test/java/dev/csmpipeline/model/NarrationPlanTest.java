package dev.csmpipeline.model;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class NarrationPlanTest {

    private static final Instant T0 = Instant.parse("2026-12-01T10:00:00Z");
    private static final ContextRef VOICE = new ContextRef(ContextRef.VOICE, "v1", 3, "Reference words.",
            "voices/acme/v1/codes.bin", 120);

    private static NarrationPlan plan(String continuity, Conditioning voice) {
        List<NarrationPlan.Segment> segments = List.of(new NarrationPlan.Segment(0, "n-s0", "First one.", 3_000),
                new NarrationPlan.Segment(1, "n-s1", "Second one.", 3_000),
                new NarrationPlan.Segment(2, "n-s2", "Third one.", 3_000));
        return new NarrationPlan("n", "acme", 3, new Sampling(0.9, 50, 7L), 350, false, T0, segments, voice,
                continuity);
    }

    @Test
    void everySegmentOfAVoicedNarrationCarriesTheVoiceAsItsOnlyContext() {
        NarrationPlan p = plan(Limits.CONTINUITY_NONE, new Conditioning("v1", List.of(VOICE), false));
        for (int i = 0; i < 3; i++) {
            SynthesisRequest r = p.segmentRequest(i, T0, n -> "codes-" + n);
            assertThat(r.conditioning().context()).containsExactly(VOICE);
            assertThat(r.voiceId()).isEqualTo("v1");
            assertThat(r.narration().isChained()).isFalse();
            assertThat(Validation.validate(r)).isEmpty();
        }
    }

    @Test
    void withContinuityASegmentAlsoCarriesThePreviousSegmentAfterTheVoice() {
        NarrationPlan p = plan(Limits.CONTINUITY_PREVIOUS, new Conditioning("v1", List.of(VOICE), false));
        SynthesisRequest first = p.segmentRequest(0, T0, n -> "codes-" + n);
        SynthesisRequest third = p.segmentRequest(2, T0, n -> "codes-" + n);
        assertThat(first.conditioning().context()).containsExactly(VOICE);
        assertThat(third.conditioning().context()).hasSize(2);
        ContextRef previous = third.conditioning().context().get(1);
        assertThat(previous.source()).isEqualTo(ContextRef.PREVIOUS_SEGMENT);
        assertThat(previous.text()).isEqualTo("Second one.");
        assertThat(previous.codesKey()).isEqualTo("codes-1");
        assertThat(previous.speakerId()).isEqualTo(3);
        assertThat(third.narration().isChained()).isTrue();
        assertThat(third.narration().hasNext()).isFalse();
        assertThat(Validation.validate(third)).isEmpty();
    }

    @Test
    void continuityWithoutAVoiceConditionsOnThePreviousSegmentOnly() {
        NarrationPlan p = plan(Limits.CONTINUITY_PREVIOUS, null);
        assertThat(p.segmentRequest(0, T0, n -> "c" + n).conditioning()).isNull();
        assertThat(p.segmentRequest(1, T0, n -> "c" + n).conditioning().context()).extracting(ContextRef::id)
                .containsExactly("n-s0");
    }

    @Test
    void aPlanWithoutVoiceOrContinuityGivesPlainSegments() {
        SynthesisRequest r = plan(null, null).segmentRequest(1, T0, n -> "c" + n);
        assertThat(r.conditioning()).isNull();
        assertThat(r.narration()).isEqualTo(new NarrationRef("n", 1, 3, false, false));
    }
}
