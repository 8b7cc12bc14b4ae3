package dev.csmpipeline.engine;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * The tiny bundle with its streaming Mimi decoder. The committed bundle ({@code tiny-csm/}) is kept under 12 MB,
 * the bound of the test fixture, so the streaming graph (which repeats the decoder's weights) and the manifest that
 * lists it lie beside it in {@code tiny-csm-stream/}; this joins them into one bundle folder under
 * {@code target/}, once per JVM. (A bundle exported by tools/csm-export has all of it in one folder.)
 */
public final class TinyStreamBundle {

    private static final Path STREAM_PARTS = Path.of("src/test/resources/tiny-csm-stream");
    private static Path bundle;

    private TinyStreamBundle() {
    }

    /** The folder of the tiny bundle with {@code mimi_decoder_stream.onnx}. */
    public static synchronized Path path() {
        if (bundle != null) {
            return bundle;
        }
        try {
            Path dir = Files.createDirectories(Path.of("target/tiny-csm-stream-bundle"));
            try (var files = Files.list(TinyReference.BUNDLE)) {
                for (Path f : files.toList()) {
                    Files.copy(f, dir.resolve(f.getFileName()), StandardCopyOption.REPLACE_EXISTING);
                }
            }
            Files.copy(STREAM_PARTS.resolve("mimi_decoder_stream.onnx"), dir.resolve("mimi_decoder_stream.onnx"),
                    StandardCopyOption.REPLACE_EXISTING);
            Files.copy(STREAM_PARTS.resolve("manifest.stream.json"), dir.resolve("manifest.json"),
                    StandardCopyOption.REPLACE_EXISTING);
            bundle = dir;
            return dir;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot assemble the tiny streaming bundle: " + e, e);
        }
    }
}
