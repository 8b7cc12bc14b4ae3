package dev.csmpipeline.engine;

import static org.assertj.core.api.Assertions.assertThat;

import dev.csmpipeline.engine.csm.BundleFiles;
import dev.csmpipeline.engine.csm.BundleManifest;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class BundledModelsTest {

    @Test
    void tinyRandomIsExtractedFromTheClasspathWithEveryFileVerified() {
        Path dir = BundledModels.tinyRandom();

        BundleManifest manifest = BundleManifest.read(dir);
        BundleFiles.verify(dir, manifest); // throws on a missing or corrupt file
        assertThat(manifest.model().name()).isEqualTo("tiny-random");
        assertThat(manifest.files()).containsKeys("backbone.onnx", "depth_decoder.onnx", "mimi_decoder.onnx",
                "mimi_encoder.onnx", "tokenizer.json");
    }

    @Test
    void tinyRandomIsExtractedOncePerJvm() {
        assertThat(BundledModels.tinyRandom()).isEqualTo(BundledModels.tinyRandom());
    }

    @Test
    void tinyRandomLoadsAndSynthesizes() {
        try (CsmEngine engine = CsmEngine.load(BundledModels.tinyRandom(), EngineOptions.cpu(1))) {
            Synthesis s = engine.synthesize(new SpeechPrompt("Hi.", 0, 2, 0.0, 1, 0), SynthesisControl.NONE);

            assertThat(engine.info().modelName()).isEqualTo("tiny-random");
            assertThat(s.pcm()).hasSize(2 * 1920);
        }
    }

    @Test
    void tinyRandomShipsTheMimiEncoderSoWorkersCanRegisterVoices() {
        try (CsmEngine engine = CsmEngine.load(BundledModels.tinyRandom(), EngineOptions.cpu(1))) {
            float[] clip = new float[1920 * 2 + 5];
            for (int i = 0; i < clip.length; i++) {
                clip[i] = (float) Math.sin(i * 0.03);
            }

            java.util.List<int[]> codes = engine.encodeAudio(clip);

            assertThat(codes).hasSize(3);
            Synthesis s = engine.synthesize(new SpeechPrompt("Hi.", 0, 2, 0.0, 1, 0)
                    .withContext(java.util.List.of(new ContextSegment(0, "A voice.", codes)), true),
                    SynthesisControl.NONE);
            assertThat(s.contextFrames()).isEqualTo(3);
        }
    }
}
