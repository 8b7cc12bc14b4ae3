package dev.csmpipeline.engine;

import dev.csmpipeline.engine.csm.GeneratedCodes;
import dev.csmpipeline.engine.csm.PcmChunker;
import dev.csmpipeline.engine.csm.StepListener;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A {@link SpeechEngine} whose concurrent {@link #synthesize} calls share frames: every call joins one continuous
 * batch ({@link BatchedEngine}) of at most {@code maxRows} rows, stepped by one thread of its own, and waits for its
 * row's codes; the Mimi decode then runs in the caller's thread, so a finished row's decode never stalls the rows
 * still generating. A call made while the batch is full waits for a free slot (in arrival order). Callers that need
 * more concurrency than {@code maxRows} simply queue; the engine itself decides nothing about priorities.
 *
 * <p>Owns the {@link CsmEngine}: {@link #close} stops the stepping thread, fails rows still waiting or running, and
 * closes the engine.
 */
public final class BatchingSpeechEngine implements SpeechEngine {

    private static final Logger log = LoggerFactory.getLogger(BatchingSpeechEngine.class);

    private final CsmEngine engine;
    private final BatchedEngine batch;
    /** How long a streaming caller waits for its next frame before checking whether its row ended. */
    private static final long FRAME_POLL_MS = 20;

    private final Object wake = new Object();
    private final Thread stepper;
    private volatile boolean closed;

    public BatchingSpeechEngine(CsmEngine engine, int maxRows) {
        this.engine = engine;
        this.batch = engine.batched(maxRows);
        this.stepper = new Thread(this::stepWhileOpen, "csm-batch-" + engine.info().modelName());
        stepper.setDaemon(true);
        stepper.start();
        log.info("event=batching_engine_started model={} max_rows={}", engine.info().modelName(), maxRows);
    }

    /** The stepping thread: one frame for the whole batch while any row runs or waits; asleep otherwise. */
    private void stepWhileOpen() {
        while (!closed) {
            synchronized (wake) {
                while (!closed && !batch.hasWork()) {
                    try {
                        wake.wait();
                    } catch (InterruptedException e) {
                        return;
                    }
                }
            }
            if (!closed) {
                batch.step();
            }
        }
    }

    @Override
    public Synthesis synthesize(SpeechPrompt prompt, SynthesisControl control) {
        checkOpen();
        CompletableFuture<GeneratedCodes> row = batch.join(prompt, control);
        wakeStepper();
        GeneratedCodes codes = resultOf(row);
        return synthesisOf(prompt, codes, engine.decodeAudio(codes.audioFrames()));
    }

    /**
     * The row's frames cross from the stepping thread to this caller's thread through a queue, and are decoded into
     * chunks here ({@link CsmEngine#synthesizeStreaming}'s streaming Mimi decoder, this synthesis' own state), so a
     * streaming row never slows the batch's steps.
     */
    @Override
    public Synthesis synthesizeStreaming(SpeechPrompt prompt, SynthesisControl control, int chunkFrames,
                                         AudioChunkListener listener) {
        checkOpen();
        BlockingQueue<int[]> frames = new LinkedBlockingQueue<>();
        try (PcmChunker chunker = engine.chunker(chunkFrames, listener)) {
            CompletableFuture<GeneratedCodes> row = batch.join(prompt, control, new StepListener() {
                @Override
                public void frame(int frame, int[] codes) {
                    frames.add(codes); // not reused by the loop
                }
            });
            wakeStepper();
            int frame = 0;
            while (true) {
                int[] codes = frames.poll(FRAME_POLL_MS, TimeUnit.MILLISECONDS);
                if (codes != null) {
                    chunker.frame(frame++, codes);
                } else if (row.isDone()) {
                    // The loop hands a frame over before the row completes: what is queued now is all of it.
                    for (int[] rest = frames.poll(); rest != null; rest = frames.poll()) {
                        chunker.frame(frame++, rest);
                    }
                    break;
                }
            }
            GeneratedCodes codes = resultOf(row);
            return synthesisOf(prompt, codes, chunker.finish());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while streaming a synthesis", e);
        }
    }

    @Override
    public boolean canStream() {
        return engine.canStream();
    }

    @Override
    public int maxChunkFrames() {
        return engine.maxChunkFrames();
    }

    private void checkOpen() {
        if (closed) {
            throw new IllegalStateException("engine for " + engine.info().modelName() + " is closed: load a new one");
        }
    }

    private void wakeStepper() {
        synchronized (wake) {
            wake.notifyAll();
        }
    }

    private static GeneratedCodes resultOf(CompletableFuture<GeneratedCodes> row) {
        try {
            return row.join();
        } catch (CompletionException e) {
            if (e.getCause() instanceof RuntimeException cause) {
                throw cause;
            }
            throw e;
        }
    }

    private Synthesis synthesisOf(SpeechPrompt prompt, GeneratedCodes codes, float[] pcm) {
        Synthesis.StopReason reason = codes.stoppedEarly() ? Synthesis.StopReason.END_OF_AUDIO
                : Synthesis.StopReason.MAX_FRAMES;
        return new Synthesis(pcm, engine.info().sampleRate(), codes.audioFrames().size(), reason,
                codes.promptPositions(), prompt.contextFrames());
    }

    /** Frames the batch has stepped so far (each one frame for every row then running). */
    public long framesStepped() {
        return batch.timings().frames();
    }

    @Override
    public List<int[]> encodeAudio(float[] pcm) {
        return engine.encodeAudio(pcm);
    }

    @Override
    public EngineInfo info() {
        return engine.info();
    }

    @Override
    public void close() {
        closed = true;
        synchronized (wake) {
            wake.notifyAll();
        }
        try {
            stepper.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        batch.close();
        engine.close();
    }
}
