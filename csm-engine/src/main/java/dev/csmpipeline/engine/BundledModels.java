package dev.csmpipeline.engine;

import dev.csmpipeline.engine.csm.BundleFiles;
import dev.csmpipeline.engine.csm.BundleManifest;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.stream.Stream;

/**
 * Model bundles shipped inside this jar. The tiny random CSM (the test fixture of {@code src/test/resources/tiny-csm},
 * about 8.5 MB, random weights: its output is <b>not speech</b>) lets a worker or {@code bin/say} run with no exported
 * model and no repository checkout. Its streaming Mimi decoder ships beside it ({@code tiny-csm-stream/}, with the
 * manifest that lists it) and is extracted into the same directory, so the tiny model streams too.
 */
public final class BundledModels {

    private static final Extraction TINY = tinyExtraction();

    private BundledModels() {
    }

    /**
     * The tiny random test bundle as a directory: extracted from the classpath once per JVM into
     * {@code java.io.tmpdir/csm-engine-tiny-random-<manifest sha>} (reused across JVMs when its files verify).
     */
    public static Path tinyRandom() {
        return TINY.dir(Path.of(System.getProperty("java.io.tmpdir")));
    }

    /** A new extraction of the tiny bundle, as a new JVM starts with (tests). */
    static Extraction tinyExtraction() {
        return new Extraction("tiny-csm/", "tiny-csm-stream/", "manifest.stream.json", "csm-engine-tiny-random-");
    }

    /** A bundle on the classpath and where it was extracted: one extraction per instance, so once per JVM. */
    static final class Extraction {
        private final String resourceDir;
        private final String extraDir;
        private final String extraManifest;
        private final String prefix;
        private Path dir; // guarded by this

        /**
         * @param extraDir      a second folder whose files come first, with {@code extraManifest}: the manifest
         *                      of the whole bundle (the files of both folders); the bundle's own when it is absent
         */
        private Extraction(String resourceDir, String extraDir, String extraManifest, String prefix) {
            this.resourceDir = resourceDir;
            this.extraDir = extraDir;
            this.extraManifest = extraManifest;
            this.prefix = prefix;
        }

        /** The extracted bundle under {@code tmp}: extracted (or an earlier JVM's verified) on the first call only. */
        synchronized Path dir(Path tmp) {
            if (dir == null) {
                dir = extract(this, tmp);
            }
            return dir;
        }
    }

    private static Path extract(Extraction from, Path tmp) {
        String prefix = from.prefix;
        boolean extra = exists(from.extraDir + from.extraManifest);
        byte[] manifestBytes = resource(extra ? from.extraDir + from.extraManifest
                : from.resourceDir + BundleManifest.FILE_NAME);
        BundleManifest manifest = BundleManifest.fromJson(new String(manifestBytes, StandardCharsets.UTF_8));
        Path dir = tmp.resolve(prefix + HexFormat.of().formatHex(sha256(manifestBytes)).substring(0, 16));
        if (isComplete(dir, manifest)) {
            return dir;
        }
        try {
            deleteTree(dir);
            Path partial = Files.createTempDirectory(tmp, prefix + "partial-");
            Files.write(partial.resolve(BundleManifest.FILE_NAME), manifestBytes);
            for (String name : manifest.files().keySet()) {
                String inExtra = from.extraDir + name;
                try (InputStream in = open(extra && exists(inExtra) ? inExtra : from.resourceDir + name)) {
                    Files.copy(in, partial.resolve(name));
                }
            }
            try {
                Files.move(partial, dir, StandardCopyOption.ATOMIC_MOVE);
            } catch (FileAlreadyExistsException | AtomicMoveNotSupportedException e) {
                // another JVM extracted it first (or the file system cannot rename atomically): use what is there
                deleteTree(partial);
                if (!isComplete(dir, manifest)) {
                    throw new BundleException("cannot extract the bundled tiny model to " + dir + ": remove that "
                            + "directory and retry");
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot extract the bundled tiny model under " + tmp + " (" + e.getMessage()
                    + "): set java.io.tmpdir to a writable directory", e);
        }
        BundleFiles.verify(dir, manifest);
        return dir;
    }

    private static boolean isComplete(Path dir, BundleManifest manifest) {
        if (!Files.isDirectory(dir)) {
            return false;
        }
        try {
            BundleFiles.verify(dir, manifest);
            return true;
        } catch (BundleException e) {
            return false;
        }
    }

    private static boolean exists(String name) {
        return BundledModels.class.getClassLoader().getResource(name) != null;
    }

    private static byte[] resource(String name) {
        try (InputStream in = open(name)) {
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + name + " from the csm-engine jar", e);
        }
    }

    private static InputStream open(String name) {
        InputStream in = BundledModels.class.getClassLoader().getResourceAsStream(name);
        if (in == null) {
            throw new BundleException(name + " is not on the classpath: this csm-engine jar was built without the "
                    + "bundled tiny model (see csm-engine/pom.xml <resources>); rebuild it with ./mvnw -pl csm-engine "
                    + "install");
        }
        return in;
    }

    private static byte[] sha256(byte[] bytes) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(bytes);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("this JVM has no SHA-256", e);
        }
    }

    private static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        List<Path> paths = new ArrayList<>();
        try (Stream<Path> walk = Files.walk(dir)) {
            walk.sorted(Comparator.reverseOrder()).forEach(paths::add);
        }
        for (Path p : paths) {
            Files.deleteIfExists(p);
        }
    }
}
