package dev.csmpipeline.engine.csm;

import dev.csmpipeline.engine.AudioChunk;
import dev.csmpipeline.engine.AudioChunkListener;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;

/**
 * The frame loop's audio, decoded as it is generated: a {@link StepListener} that collects each audio frame, decodes
 * every {@code chunkFrames} frames with the {@link StreamingMimi} state of this synthesis and hands the PCM to an
 * {@link AudioChunkListener}; {@link #finish} decodes the rest and marks the last chunk.
 *
 * <pre>
 * on frame f:  if stop frame: ignore (not audio);  pending += f;  if |pending| == chunkFrames: emit(decode(pending))
 * finish:      emit(decode(pending), last)        -&gt; the whole utterance = concatenation of the chunks
 * </pre>
 */
public final class PcmChunker implements StepListener, AutoCloseable {

    private final StreamingMimi mimi;
    private final StreamingMimi.State state;
    private final Predicate<int[]> isStopFrame;
    private final int chunkFrames;
    private final AudioChunkListener listener;
    private final List<int[]> pending = new ArrayList<>();
    private final List<float[]> decoded = new ArrayList<>();
    private int sequence;
    private int emittedFrames;

    /**
     * @param chunkFrames frames per chunk, 1 to {@link StreamingMimi#maxChunkFrames()}
     */
    public PcmChunker(StreamingMimi mimi, Predicate<int[]> isStopFrame, int chunkFrames,
            AudioChunkListener listener) {
        if (chunkFrames < 1 || chunkFrames > mimi.maxChunkFrames()) {
            throw new IllegalArgumentException("chunk size must be 1 to " + mimi.maxChunkFrames() + " frames, got "
                    + chunkFrames);
        }
        this.mimi = mimi;
        this.isStopFrame = isStopFrame;
        this.chunkFrames = chunkFrames;
        this.listener = listener;
        this.state = mimi.newState();
    }

    @Override
    public void frame(int frame, int[] codes) {
        if (isStopFrame.test(codes)) {
            return;
        }
        pending.add(codes);
        if (pending.size() == chunkFrames) {
            emit(false);
        }
    }

    /** Decodes the frames not yet decoded, sends the last chunk and returns the whole utterance's PCM. */
    public float[] finish() {
        emit(true);
        int total = 0;
        for (float[] d : decoded) {
            total += d.length;
        }
        float[] pcm = new float[total];
        int at = 0;
        for (float[] d : decoded) {
            System.arraycopy(d, 0, pcm, at, d.length);
            at += d.length;
        }
        return pcm;
    }

    /** Audio frames handed to the listener so far. */
    public int emittedFrames() {
        return emittedFrames;
    }

    private void emit(boolean last) {
        float[] pcm = pending.isEmpty() ? new float[0] : mimi.decode(state, pending);
        decoded.add(pcm);
        AudioChunk chunk = new AudioChunk(sequence++, emittedFrames, pending.size(), pcm.clone(), last);
        emittedFrames += pending.size();
        pending.clear();
        listener.onChunk(chunk);
    }

    @Override
    public void close() {
        state.close();
    }
}
