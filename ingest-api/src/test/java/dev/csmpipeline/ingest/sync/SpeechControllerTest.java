package dev.csmpipeline.ingest.sync;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class SpeechControllerTest {

    @Test
    void openAiVoicesMapToSpeakerIdsInOrder() {
        assertThat(SpeechController.speakerOf("alloy")).isZero();
        assertThat(SpeechController.speakerOf("Echo")).isEqualTo(1);
        assertThat(SpeechController.speakerOf("verse")).isEqualTo(10);
    }

    @Test
    void numericVoicesNameSpeakersDirectly() {
        assertThat(SpeechController.speakerOf("7")).isEqualTo(7);
        assertThat(SpeechController.speakerOf("32")).isNull();
        assertThat(SpeechController.speakerOf("-1")).isNull();
    }

    @Test
    void unknownOrMissingVoiceIsNull() {
        assertThat(SpeechController.speakerOf("maya")).isNull();
        assertThat(SpeechController.speakerOf(null)).isNull();
        assertThat(SpeechController.speakerOf(" ")).isNull();
    }

    @Test
    void lengthCapGrowsWithTheInputWithinTheLimit() {
        assertThat(SpeechController.maxLengthFor("hi")).isEqualTo(5_000);
        assertThat(SpeechController.maxLengthFor("a".repeat(100))).isEqualTo(12_000);
        assertThat(SpeechController.maxLengthFor("a".repeat(2000))).isEqualTo(90_000);
    }
}
