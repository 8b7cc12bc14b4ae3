package dev.csmpipeline.model;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class ValidationTest {

    private static List<String> fieldsViolatedBy(UnaryOperator<Builder> change) {
        return Validation.validate(change.apply(new Builder()).build()).stream().map(FieldError::field).toList();
    }

    @Test
    void aValidRequestHasNoErrors() {
        assertThat(Validation.validate(Fixtures.validRequest())).isEmpty();
        assertThat(Validation.validate(Fixtures.segmentRequest())).isEmpty();
    }

    @Test
    void everyViolatedFieldIsReportedNotOnlyTheFirst() {
        SynthesisRequest bad = new SynthesisRequest(null, null, " ", -1, 0, new Sampling(9.0, 0, null), null,
                "bad tenant!", null, null, null);
        assertThat(Validation.validate(bad)).extracting(FieldError::field).containsExactlyInAnyOrder(
                "job_id", "kind", "text", "speaker_id", "max_audio_length_ms", "tenant", "requested_at",
                "sampling.temperature", "sampling.top_k");
    }

    @ParameterizedTest
    @ValueSource(strings = {"", " ", "\t\n "})
    void blankTextIsRejected(String text) {
        assertThat(fieldsViolatedBy(b -> b.text(text))).containsExactly("text");
    }

    @Test
    void missingTextIsRejected() {
        assertThat(fieldsViolatedBy(b -> b.text(null))).containsExactly("text");
    }

    @Test
    void textWithControlTokenMarkupIsRejectedNamingTheMarkup() {
        assertThat(Validation.text("text", "Hi <|end_of_text|> there", 100).reason()).contains("<|end_of_text|>");
        assertThat(Validation.text("text", "a <|AUDIO|>", 100)).isNotNull();
        assertThat(Validation.text("text", "pipes | and <angles> and <|not closed", 100)).isNull();
    }

    @Test
    void textAtTheLimitIsAcceptedAndOneCharacterMoreIsRejected() {
        assertThat(fieldsViolatedBy(b -> b.text("a".repeat(Limits.TEXT_MAX_CHARS)))).isEmpty();
        assertThat(fieldsViolatedBy(b -> b.text("a".repeat(Limits.TEXT_MAX_CHARS + 1)))).containsExactly("text");
    }

    @Test
    void textTooLongReasonPointsToNarrations() {
        FieldError e = Validation.text("text", "a".repeat(Limits.TEXT_MAX_CHARS + 1), Limits.TEXT_MAX_CHARS);
        assertThat(e.reason()).contains("2000").contains("/v1/narrations");
    }

    @ParameterizedTest
    @CsvSource({"0,true", "31,true", "-1,false", "32,false"})
    void speakerIdBounds(int speaker, boolean valid) {
        assertThat(fieldsViolatedBy(b -> b.speaker(speaker)).isEmpty()).isEqualTo(valid);
    }

    @ParameterizedTest
    @CsvSource({"80,true", "90000,true", "79,false", "90001,false"})
    void maxAudioLengthBounds(int ms, boolean valid) {
        assertThat(fieldsViolatedBy(b -> b.maxMs(ms)).isEmpty()).isEqualTo(valid);
    }

    @Test
    void missingSpeakerAndLengthAreRejected() {
        assertThat(fieldsViolatedBy(b -> b.speaker(null).maxMs(null)))
                .containsExactly("speaker_id", "max_audio_length_ms");
    }

    @ParameterizedTest
    @CsvSource({"0.0,true", "2.0,true", "-0.01,false", "2.01,false", "NaN,false"})
    void temperatureBounds(double temperature, boolean valid) {
        assertThat(fieldsViolatedBy(b -> b.sampling(new Sampling(temperature, 50, null))).isEmpty())
                .isEqualTo(valid);
    }

    @ParameterizedTest
    @CsvSource({"1,true", "2051,true", "0,false", "2052,false"})
    void topKBounds(int topK, boolean valid) {
        assertThat(fieldsViolatedBy(b -> b.sampling(new Sampling(0.9, topK, null))).isEmpty()).isEqualTo(valid);
    }

    @Test
    void unsetSamplingFieldsTakeDefaults() {
        assertThat(fieldsViolatedBy(b -> b.sampling(new Sampling(null, null, null)))).isEmpty();
        assertThat(new Sampling(null, null, 7L).withDefaults()).isEqualTo(new Sampling(0.9, 50, 7L));
    }

    @ParameterizedTest
    @ValueSource(strings = {"default", "acme-corp", "t.1_x", "A"})
    void wellFormedTenantsAreAccepted(String tenant) {
        assertThat(fieldsViolatedBy(b -> b.tenant(tenant))).isEmpty();
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "-lead", "has space", "ünïcode", "x/../y"})
    void malformedTenantsAreRejected(String tenant) {
        assertThat(fieldsViolatedBy(b -> b.tenant(tenant))).containsExactly("tenant");
    }

    @Test
    void tenantOf64CharactersIsAcceptedAnd65Rejected() {
        assertThat(fieldsViolatedBy(b -> b.tenant("t".repeat(64)))).isEmpty();
        assertThat(fieldsViolatedBy(b -> b.tenant("t".repeat(65)))).containsExactly("tenant");
    }

    @Test
    void jobIdMustBeAnIdentifier() {
        assertThat(fieldsViolatedBy(b -> b.jobId("a".repeat(128)))).isEmpty();
        assertThat(fieldsViolatedBy(b -> b.jobId("a".repeat(129)))).containsExactly("job_id");
        assertThat(fieldsViolatedBy(b -> b.jobId("../etc/passwd"))).containsExactly("job_id");
    }

    @Test
    void segmentJobNeedsItsNarration() {
        assertThat(fieldsViolatedBy(b -> b.kind(JobKind.NARRATION_SEGMENT))).containsExactly("narration");
    }

    @ParameterizedTest
    @CsvSource({"0,1,true", "9,10,true", "10,10,false", "-1,10,false", "0,0,false", "0,20001,false"})
    void segmentIndexMustLieWithinTheCount(int index, int count, boolean valid) {
        assertThat(fieldsViolatedBy(b -> b.kind(JobKind.NARRATION_SEGMENT)
                .narration(new NarrationRef("nar-1", index, count))).isEmpty()).isEqualTo(valid);
    }

    @Test
    void maxFramesIsLengthOver80Milliseconds() {
        assertThat(Limits.maxFrames(10_000)).isEqualTo(125);
        assertThat(Limits.maxFrames(80)).isEqualTo(1);
        assertThat(Limits.maxFrames(159)).isEqualTo(1);
    }

    /** Copy-on-change builder over the valid request. */
    private static final class Builder {
        private SynthesisRequest r = Fixtures.validRequest();

        Builder text(String v) {
            r = new SynthesisRequest(r.jobId(), r.kind(), v, r.speakerId(), r.maxAudioLengthMs(), r.sampling(),
                    r.format(), r.tenant(), r.requestedAt(), r.deadline(), r.narration());
            return this;
        }

        Builder speaker(Integer v) {
            r = new SynthesisRequest(r.jobId(), r.kind(), r.text(), v, r.maxAudioLengthMs(), r.sampling(),
                    r.format(), r.tenant(), r.requestedAt(), r.deadline(), r.narration());
            return this;
        }

        Builder maxMs(Integer v) {
            r = new SynthesisRequest(r.jobId(), r.kind(), r.text(), r.speakerId(), v, r.sampling(), r.format(),
                    r.tenant(), r.requestedAt(), r.deadline(), r.narration());
            return this;
        }

        Builder sampling(Sampling v) {
            r = new SynthesisRequest(r.jobId(), r.kind(), r.text(), r.speakerId(), r.maxAudioLengthMs(), v,
                    r.format(), r.tenant(), r.requestedAt(), r.deadline(), r.narration());
            return this;
        }

        Builder tenant(String v) {
            r = new SynthesisRequest(r.jobId(), r.kind(), r.text(), r.speakerId(), r.maxAudioLengthMs(),
                    r.sampling(), r.format(), v, r.requestedAt(), r.deadline(), r.narration());
            return this;
        }

        Builder jobId(String v) {
            r = new SynthesisRequest(v, r.kind(), r.text(), r.speakerId(), r.maxAudioLengthMs(), r.sampling(),
                    r.format(), r.tenant(), r.requestedAt(), r.deadline(), r.narration());
            return this;
        }

        Builder kind(JobKind v) {
            r = new SynthesisRequest(r.jobId(), v, r.text(), r.speakerId(), r.maxAudioLengthMs(), r.sampling(),
                    r.format(), r.tenant(), r.requestedAt(), r.deadline(), r.narration());
            return this;
        }

        Builder narration(NarrationRef v) {
            r = new SynthesisRequest(r.jobId(), r.kind(), r.text(), r.speakerId(), r.maxAudioLengthMs(),
                    r.sampling(), r.format(), r.tenant(), r.requestedAt(), r.deadline(), v);
            return this;
        }

        SynthesisRequest build() {
            return r;
        }
    }
}
