package dev.csmpipeline.ingest.streaming;

import dev.csmpipeline.model.JobError;
import dev.csmpipeline.model.Limits;
import dev.csmpipeline.model.SpeechChunk;
import dev.csmpipeline.model.audio.Wav;
import java.util.Arrays;

/**
 * Turns the chunks of a job, in the order they arrive, into the bytes a listener gets: each attempt's chunks in
 * sequence; after a redelivery (a new attempt starts again at frame 0 with the same seed, so the same audio) only
 * what was not sent yet; nothing more once a chunk is missing (the rest then comes from the finished job's file).
 * The bytes it lets through are always a prefix of the job's final audio.
 */
final class StreamAssembler {

    /** What to do after a chunk. */
    enum State { STREAMING, COMPLETE, FAILED }

    private String attempt;
    private int nextSequence;
    private boolean gap;
    private long bytesSent;
    private int sampleRate;
    private State state = State.STREAMING;
    private JobError error;


    /** Takes a chunk; returns the bytes to send now (possibly none). */
    byte[] accept(SpeechChunk chunk) {
        if (state != State.STREAMING) {
            return new byte[0];
        }
        if (chunk.failed()) {
            state = State.FAILED;
            error = chunk.error();
            return new byte[0];
        }
        if (!chunk.attempt().equals(attempt)) {
            // The first chunk, or a redelivered job starting over: follow the new attempt from its start.
            attempt = chunk.attempt();
            nextSequence = 0;
            gap = false;
        }
        if (gap || chunk.sequence() < nextSequence) {
            return new byte[0]; // after a lost chunk, or a duplicate
        }
        if (chunk.sequence() > nextSequence) {
            gap = true; // a chunk of this attempt never came: send nothing that would skip audio
            return new byte[0];
        }
        nextSequence++;
        sampleRate = chunk.sampleRate();
        // A frame is 80 ms: 1,920 16-bit samples at 24 kHz.
        long bytesPerFrame = (long) chunk.sampleRate() * Limits.MS_PER_FRAME / 1000 * Wav.BYTES_PER_SAMPLE;
        long start = chunk.firstFrame() * bytesPerFrame;
        int skip = (int) Math.max(0, Math.min(chunk.pcm().length, bytesSent - start));
        if (start > bytesSent) {
            gap = true; // this attempt starts later than what was sent: cannot happen for a same-seed retry
            return new byte[0];
        }
        byte[] out = skip == 0 ? chunk.pcm() : Arrays.copyOfRange(chunk.pcm(), skip, chunk.pcm().length);
        bytesSent += out.length;
        if (chunk.last()) {
            state = State.COMPLETE;
        }
        return out;
    }

    /** Bytes of PCM let through so far. */
    long bytesSent() {
        return bytesSent;
    }

    /** Records bytes sent from elsewhere (the finished job's file). */
    void sentFromFile(long bytes) {
        bytesSent += bytes;
        state = State.COMPLETE;
    }

    State state() {
        return state;
    }

    /** Why the stream failed, once {@link #state()} is FAILED. */
    JobError error() {
        return error;
    }

    /** The sample rate of the chunks seen, 0 before the first. */
    int sampleRate() {
        return sampleRate;
    }
}
