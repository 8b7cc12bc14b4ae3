package dev.csmpipeline.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/** SpeechPrompt is where the engine validates a request, sampling settings included. */
class SpeechPromptTest {

    @Test
    void topKBelowOneIsRefusedNamingTheKey() {
        assertThatThrownBy(() -> new SpeechPrompt("Hi.", 0, 5, 0.9, 0, 1))
                .isInstanceOf(EngineRejectedException.class).hasMessageContaining("topK must be at least 1");
    }

    @Test
    void negativeTemperatureIsRefusedNamingTheKey() {
        assertThatThrownBy(() -> new SpeechPrompt("Hi.", 0, 5, -0.1, 50, 1))
                .isInstanceOf(EngineRejectedException.class).hasMessageContaining("temperature");
    }

    @Test
    void infiniteOrNanTemperatureIsRefusedNamingTheKey() {
        assertThatThrownBy(() -> new SpeechPrompt("Hi.", 0, 5, Double.POSITIVE_INFINITY, 50, 1))
                .isInstanceOf(EngineRejectedException.class).hasMessageContaining("temperature must be a finite");
        assertThatThrownBy(() -> new SpeechPrompt("Hi.", 0, 5, Double.NaN, 50, 1))
                .isInstanceOf(EngineRejectedException.class).hasMessageContaining("temperature must be a finite");
    }

    @Test
    void temperatureZeroOrTopKOneIsGreedy() {
        assertThat(new SpeechPrompt("Hi.", 0, 5, 0.0, 50, 1).isGreedy()).isTrue();
        assertThat(new SpeechPrompt("Hi.", 0, 5, 0.9, 1, 1).isGreedy()).isTrue();
        assertThat(new SpeechPrompt("Hi.", 0, 5, 0.9, 50, 1).isGreedy()).isFalse();
    }
}
