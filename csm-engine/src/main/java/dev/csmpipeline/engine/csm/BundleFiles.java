package dev.csmpipeline.engine.csm;

import dev.csmpipeline.engine.BundleException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Map;
import java.util.TreeMap;

/** Checks that every file a manifest lists is present with its recorded size and sha256. */
public final class BundleFiles {

    private static final String FIX = "re-copy or re-export the bundle (tools/csm-export; "
            + "`python -m csm_export verify --bundle DIR` checks it)";

    private BundleFiles() {
    }

    /**
     * Verifies every entry of {@code manifest.files()} under {@code bundleDir}, in name order.
     *
     * @throws BundleException naming the first missing, truncated or corrupt file
     */
    public static void verify(Path bundleDir, BundleManifest manifest) {
        for (Map.Entry<String, BundleManifest.FileEntry> e : new TreeMap<>(manifest.files()).entrySet()) {
            verifyFile(bundleDir, e.getKey(), e.getValue());
        }
    }

    static void verifyFile(Path bundleDir, String name, BundleManifest.FileEntry expected) {
        Path file = bundleDir.resolve(name).normalize();
        if (!file.startsWith(bundleDir.normalize())) {
            throw new BundleException(BundleManifest.FILE_NAME + " lists '" + name + "', which is outside the bundle "
                    + "directory: " + FIX);
        }
        if (!Files.isRegularFile(file)) {
            throw new BundleException("bundle file " + name + " is missing from " + bundleDir + ": " + FIX);
        }
        try {
            long size = Files.size(file);
            if (size != expected.bytes()) {
                throw new BundleException("bundle file " + name + " is corrupt: " + size + " bytes, the manifest says "
                        + expected.bytes() + ": " + FIX);
            }
            String actual = sha256(file);
            if (!actual.equalsIgnoreCase(expected.sha256())) {
                throw new BundleException("bundle file " + name + " is corrupt: sha256 " + actual
                        + " does not match the manifest's " + expected.sha256() + ": " + FIX);
            }
        } catch (IOException e) {
            throw new BundleException("bundle file " + name + " cannot be read (" + e.getMessage() + "): " + FIX, e);
        }
    }

    /** Lowercase hex sha256 of a file's bytes. */
    public static String sha256(Path file) throws IOException {
        MessageDigest digest;
        try {
            digest = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("this JVM has no SHA-256", e);
        }
        ByteBuffer buf = ByteBuffer.allocateDirect(1 << 20);
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            while (ch.read(buf) >= 0) {
                buf.flip();
                digest.update(buf);
                buf.clear();
            }
        }
        return HexFormat.of().formatHex(digest.digest());
    }
}
