package dev.csmpipeline.ingest.streaming;

import dev.csmpipeline.model.SpeechChunk;
import java.time.Duration;

/** The chunks of one job as they arrive, for one listener. */
interface ChunkSource extends AutoCloseable {

    /** The next chunk, waiting up to {@code wait}; null when none came. */
    SpeechChunk poll(Duration wait) throws InterruptedException;

    @Override
    void close();
}
