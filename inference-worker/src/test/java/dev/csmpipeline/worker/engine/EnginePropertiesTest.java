package dev.csmpipeline.worker.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.csmpipeline.engine.EngineOptions;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.boot.context.properties.bind.BindException;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.MapConfigurationPropertySource;

/** TTS_* variables bind to EngineProperties as the worker's configuration reads them. */
class EnginePropertiesTest {

    private static EngineProperties bind(Map<String, String> values) {
        return new Binder(new MapConfigurationPropertySource(values)).bindOrCreate("tts", EngineProperties.class);
    }

    @Test
    void threadPoolsDefaultsToOneProcessWidePool() {
        assertThat(bind(Map.of()).threadPools()).isEqualTo(EngineOptions.ThreadPools.PROCESS);
    }

    @Test
    void threadPoolsSessionSelectsAPoolPerSession() {
        assertThat(bind(Map.of("tts.thread-pools", "session")).threadPools())
                .isEqualTo(EngineOptions.ThreadPools.SESSION);
    }

    @Test
    void anUnknownThreadPoolsValueFailsNamingTheProperty() {
        assertThatThrownBy(() -> bind(Map.of("tts.thread-pools", "global"))).isInstanceOf(BindException.class)
                .hasMessageContaining("tts.thread-pools");
    }
}
