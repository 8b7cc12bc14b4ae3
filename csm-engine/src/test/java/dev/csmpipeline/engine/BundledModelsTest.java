package dev.csmpipeline.engine;

import static org.assertj.core.api.Assertions.assertThat;

import dev.csmpipeline.engine.csm.BundleFiles;
import dev.csmpipeline.engine.csm.BundleManifest;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

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
    void tinyRandomIsExtractedOncePerJvm(@TempDir Path tmp) throws IOException {
        BundledModels.Extraction jvm = BundledModels.tinyExtraction();
        Path dir = jvm.dir(tmp);
        assertThat(dir).startsWith(tmp).isDirectory();
        // Break the extracted bundle: a second extraction (or verification) in this JVM would notice and redo it.
        Files.delete(dir.resolve("tokenizer.json"));

        assertThat(jvm.dir(tmp)).isEqualTo(dir);
        assertThat(dir.resolve("tokenizer.json")).as("left alone by the second call").doesNotExist();
        // The next JVM verifies what it finds and extracts the bundle again.
        assertThat(BundledModels.tinyExtraction().dir(tmp)).isEqualTo(dir);
        assertThat(dir.resolve("tokenizer.json")).isRegularFile();
    }

    @Test
    void theNextJvmReusesACompleteExtractionWithoutCopyingAgain(@TempDir Path tmp) throws IOException {
        Path dir = BundledModels.tinyExtraction().dir(tmp);
        Path backbone = dir.resolve("backbone.onnx");
        BasicFileAttributes first = Files.readAttributes(backbone, BasicFileAttributes.class);

        assertThat(BundledModels.tinyExtraction().dir(tmp)).isEqualTo(dir);
        BasicFileAttributes second = Files.readAttributes(backbone, BasicFileAttributes.class);
        assertThat(second.fileKey()).as("the same file, not a new copy").isEqualTo(first.fileKey());
        assertThat(second.lastModifiedTime()).isEqualTo(first.lastModifiedTime());
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
