package dev.csmpipeline.localstack;

/** The local stack cannot start; the message says why and what to do. */
public class StartupException extends RuntimeException {
    public StartupException(String message) {
        super(message);
    }

    public StartupException(String message, Throwable cause) {
        super(message, cause);
    }
}
