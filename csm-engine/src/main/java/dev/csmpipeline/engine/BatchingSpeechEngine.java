package dev.csmpipeline.engine;

import dev.csmpipeline.engine.csm.GeneratedCodes;
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
        if (closed) {
            throw new IllegalStateException("engine for " + engine.info().modelName() + " is closed: load a new one");
        }
        CompletableFuture<GeneratedCodes> row = batch.join(prompt, control);
        synchronized (wake) {
            wake.notifyAll();
        }
        GeneratedCodes codes;
        try {
            codes = row.join();
        } catch (CompletionException e) {
            if (e.getCause() instanceof RuntimeException cause) {
                throw cause;
            }
            throw e;
        }
        List<int[]> audio = codes.audioFrames();
        float[] pcm = engine.decodeAudio(audio);
        Synthesis.StopReason reason = codes.stoppedEarly() ? Synthesis.StopReason.END_OF_AUDIO
                : Synthesis.StopReason.MAX_FRAMES;
        return new Synthesis(pcm, engine.info().sampleRate(), audio.size(), reason, codes.promptPositions(),
                prompt.contextFrames());
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
