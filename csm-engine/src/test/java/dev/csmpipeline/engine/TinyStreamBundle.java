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

    private static Path bundle;

    private TinyStreamBundle() {
    }

    /** The folder of the tiny bundle with {@code mimi_decoder_stream.onnx}. */
    public static synchronized Path path() {
        if (bundle != null) {
            return bundle;
        }
        try {
            // the test resources as the class path has them (target/test-classes), whatever the working directory
            Path streamParts = Path.of(TinyStreamBundle.class.getResource("/tiny-csm-stream/manifest.stream.json")
                    .toURI()).getParent();
            Path resources = streamParts.getParent();
            Path dir = Files.createDirectories(resources.getParent().resolve("tiny-csm-stream-bundle"));
            try (var files = Files.list(resources.resolve("tiny-csm"))) {
                for (Path f : files.toList()) {
                    Files.copy(f, dir.resolve(f.getFileName()), StandardCopyOption.REPLACE_EXISTING);
                }
            }
            Files.copy(streamParts.resolve("mimi_decoder_stream.onnx"), dir.resolve("mimi_decoder_stream.onnx"),
                    StandardCopyOption.REPLACE_EXISTING);
            Files.copy(streamParts.resolve("manifest.stream.json"), dir.resolve("manifest.json"),
                    StandardCopyOption.REPLACE_EXISTING);
            bundle = dir;
            return dir;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot assemble the tiny streaming bundle: " + e, e);
        } catch (java.net.URISyntaxException | NullPointerException e) {
            throw new IllegalStateException("tiny-csm-stream/ is not on the test class path: " + e, e);
        }
    }
}
