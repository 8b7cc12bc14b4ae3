package dev.csmpipeline.engine;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A bad bundle fails to load with a message naming what is wrong. */
class BundleValidationTest {

    @TempDir
    Path tmp;

    private Path copyOfFixture() throws IOException {
        Path dir = tmp.resolve("bundle");
        Files.createDirectories(dir);
        try (Stream<Path> files = Files.list(TinyReference.BUNDLE)) {
            for (Path f : files.toList()) {
                Files.copy(f, dir.resolve(f.getFileName()));
            }
        }
        return dir;
    }

    private static void editManifest(Path dir, String from, String to) throws IOException {
        Path m = dir.resolve("manifest.json");
        String json = Files.readString(m);
        if (!json.contains(from)) {
            throw new IllegalStateException("fixture manifest has no '" + from + "'");
        }
        Files.writeString(m, json.replace(from, to));
    }

    @Test
    void missingGraphFileIsNamed() throws IOException {
        Path dir = copyOfFixture();
        Files.delete(dir.resolve("depth_decoder.onnx"));

        assertThatThrownBy(() -> CsmEngine.load(dir, EngineOptions.cpu(1))).isInstanceOf(BundleException.class)
                .hasMessageContaining("depth_decoder.onnx").hasMessageContaining("missing");
    }

    @Test
    void corruptFileIsNamedWithItsSha256Mismatch() throws IOException {
        Path dir = copyOfFixture();
        Path mimi = dir.resolve("mimi_decoder.onnx");
        byte[] bytes = Files.readAllBytes(mimi);
        bytes[bytes.length / 2] ^= 0x01;
        Files.write(mimi, bytes);

        assertThatThrownBy(() -> CsmEngine.load(dir, EngineOptions.cpu(1))).isInstanceOf(BundleException.class)
                .hasMessageContaining("mimi_decoder.onnx").hasMessageContaining("sha256");
    }

    @Test
    void unknownFormatVersionIsRefused() throws IOException {
        Path dir = copyOfFixture();
        editManifest(dir, "\"format_version\": 2,", "\"format_version\": 3,");

        assertThatThrownBy(() -> CsmEngine.load(dir, EngineOptions.cpu(1))).isInstanceOf(BundleException.class)
                .hasMessageContaining("format_version 3").hasMessageContaining("format_version 1 and 2");
    }

    @Test
    void formatTwoWithoutItsEncoderGraphIsRefusedNamingTheField() throws IOException {
        Path dir = copyOfFixture();
        editManifest(dir, "\"mimi_encoder\": {", "\"mimi_encoder_gone\": {");

        assertThatThrownBy(() -> CsmEngine.load(dir, EngineOptions.cpu(1))).isInstanceOf(BundleException.class)
                .hasMessageContaining("graphs.mimi_encoder");
    }

    @Test
    void missingRequiredFieldIsNamed() throws IOException {
        Path dir = copyOfFixture();
        editManifest(dir, "\"sample_rate\": 24000,", "");

        assertThatThrownBy(() -> CsmEngine.load(dir, EngineOptions.cpu(1))).isInstanceOf(BundleException.class)
                .hasMessageContaining("audio.sample_rate");
    }

    @Test
    void directoryWithoutManifestSaysWhatABundleIs() throws IOException {
        Path dir = copyOfFixture();
        Files.delete(dir.resolve("manifest.json"));

        assertThatThrownBy(() -> CsmEngine.load(dir, EngineOptions.cpu(1))).isInstanceOf(BundleException.class)
                .hasMessageContaining("manifest.json").hasMessageContaining("tools/csm-export");
    }

    @Test
    void missingDirectoryIsNamed() {
        Path dir = tmp.resolve("no-such-bundle");

        assertThatThrownBy(() -> CsmEngine.load(dir, EngineOptions.cpu(1))).isInstanceOf(BundleException.class)
                .hasMessageContaining("no-such-bundle");
    }
}
