package dev.csmpipeline.ingest.streaming;

import dev.csmpipeline.model.JobError;
import java.io.IOException;

/** Where a stream's audio goes, in order: {@link #begin}, {@link #pcm} any number of times, then one ending. */
interface AudioSink {

    /** Before the first samples (a WAV sink writes its header). */
    void begin(int sampleRate) throws IOException;

    /** 16-bit little-endian mono samples, in order. */
    void pcm(byte[] samples) throws IOException;

    /** The audio is complete. */
    void done() throws IOException;

    /**
     * The audio will not be complete: the sink must make that visible (an audio stream is cut off without its final
     * chunk, so the client sees a transfer error, never a shorter file that looks whole; SSE sends an error event).
     */
    void failed(JobError error) throws IOException;
}
