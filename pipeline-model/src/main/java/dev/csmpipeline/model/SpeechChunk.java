package dev.csmpipeline.model;

/**
 * A piece of a streaming job's audio, as the worker generates it, on {@link Topics#AUDIO_CHUNKS} (key: job id). The
 * chunks of one attempt come in {@code sequence} order on one partition; the one with {@code last} closes the
 * stream. A redelivered job (its first worker died) starts a new {@code attempt} from sequence 0 with the same seed,
 * so the same audio; a job that fails or is cancelled after it began streaming ends with a chunk that carries the
 * {@code error} and no audio.
 *
 * @param jobId      the job
 * @param attempt    which delivery produced it: the worker id and the time the attempt started
 * @param sequence   0, 1, 2, ... within the attempt
 * @param firstFrame index of the first audio frame in it (80 ms each)
 * @param frames     audio frames in it (0 in a closing chunk with no audio left)
 * @param sampleRate samples per second of {@code pcm}
 * @param pcm        16-bit little-endian mono samples (base64 in JSON)
 * @param last       true on the attempt's final chunk; the concatenated pcm then equals the stored WAV's samples
 * @param error      why the stream ended without its audio, on a final chunk; null otherwise
 */
public record SpeechChunk(String jobId, String attempt, int sequence, int firstFrame, int frames, int sampleRate,
                          byte[] pcm, boolean last, JobError error) {

    /** The closing chunk of a stream that ended without its audio. */
    public static SpeechChunk failed(String jobId, String attempt, int sequence, int sampleRate, JobError error) {
        return new SpeechChunk(jobId, attempt, sequence, 0, 0, sampleRate, new byte[0], true, error);
    }

    public boolean failed() {
        return error != null;
    }
}
