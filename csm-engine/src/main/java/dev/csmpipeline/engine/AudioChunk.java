package dev.csmpipeline.engine;

/**
 * A piece of a synthesis' audio as it is produced, in order: the samples of frames {@code firstFrame ..
 * firstFrame + frames - 1} (24 kHz mono, {@code frames * samples_per_frame} samples).
 *
 * @param sequence   0, 1, 2, ... within the synthesis
 * @param firstFrame index of the chunk's first audio frame
 * @param frames     audio frames in the chunk; 0 only for a final chunk that carries nothing new
 * @param pcm        the chunk's samples (owned by the receiver)
 * @param last       true on the final chunk: the concatenation of every chunk is the whole utterance
 */
public record AudioChunk(int sequence, int firstFrame, int frames, float[] pcm, boolean last) {
}
