package dev.csmpipeline.engine;

/**
 * Receives a synthesis' audio chunk by chunk, on the synthesizing thread, while the frames after the chunk are still
 * being generated (see {@link CsmEngine#synthesizeStreaming}). A slow listener slows the synthesis: hand the chunk
 * off rather than doing I/O here. An exception thrown here ends the synthesis with that exception.
 */
@FunctionalInterface
public interface AudioChunkListener {

    void onChunk(AudioChunk chunk);
}
