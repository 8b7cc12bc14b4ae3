package dev.csmpipeline.engine;

/**
 * A model bundle cannot be used: a file is missing or corrupt, the manifest is malformed, or its
 * {@code format_version} is unknown. The message names the file or field and says what to do.
 */
public class BundleException extends RuntimeException {

    public BundleException(String message) {
        super(message);
    }

    public BundleException(String message, Throwable cause) {
        super(message, cause);
    }
}
