package dev.csmpipeline.audio;

import java.io.IOException;

/**
 * One file being encoded: 16-bit mono samples go in, in as many calls as the caller likes, and the encoded file goes
 * to the output stream it was opened on. {@link #finish()} writes what is left (last frames, trailers); it does not
 * close the output stream.
 */
public interface AudioEncoder {

    /** Encodes {@code length} samples of {@code samples} from {@code offset}. */
    void write(short[] samples, int offset, int length) throws IOException;

    /** Flushes the last frames and any trailer. The encoder cannot be used afterwards. */
    void finish() throws IOException;
}
