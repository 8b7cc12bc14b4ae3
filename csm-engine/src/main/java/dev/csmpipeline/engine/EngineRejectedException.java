package dev.csmpipeline.engine;

/** The engine cannot synthesize this input (for example a prompt longer than the model's context). */
public class EngineRejectedException extends RuntimeException {
    public EngineRejectedException(String message) {
        super(message);
    }
}
