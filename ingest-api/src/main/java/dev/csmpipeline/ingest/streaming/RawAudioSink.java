package dev.csmpipeline.ingest.streaming;

import dev.csmpipeline.model.JobError;
import dev.csmpipeline.model.audio.Wav;
import java.io.IOException;
import java.io.OutputStream;

/**
 * Audio bytes with chunked transfer: raw PCM, or a WAV whose header says "as long as the stream" (sizes
 * 0xFFFFFFFF), then the samples as they come. Each write is flushed, so the client hears it at once.
 */
final class RawAudioSink implements AudioSink {

    /** Thrown to cut the response off: the server then ends the connection without the last chunk. */
    static final class StreamFailed extends IOException {
        StreamFailed(JobError error) {
            super("the audio stream ended before its audio was complete: " + error.code() + ": " + error.message());
        }
    }

    private final OutputStream out;
    private final boolean wav;

    RawAudioSink(OutputStream out, boolean wav) {
        this.out = out;
        this.wav = wav;
    }

    @Override
    public void begin(int sampleRate) throws IOException {
        if (wav) {
            out.write(Wav.streamingHeader(sampleRate));
            out.flush();
        }
    }

    @Override
    public void pcm(byte[] samples) throws IOException {
        out.write(samples);
        out.flush();
    }

    @Override
    public void done() throws IOException {
        out.flush();
    }

    @Override
    public void failed(JobError error) throws IOException {
        throw new StreamFailed(error);
    }
}
