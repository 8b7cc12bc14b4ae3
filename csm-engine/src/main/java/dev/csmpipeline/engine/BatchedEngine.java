package dev.csmpipeline.engine;

import dev.csmpipeline.engine.csm.BatchLoop;
import dev.csmpipeline.engine.csm.GeneratedCodes;
import dev.csmpipeline.engine.csm.PromptGrid;
import dev.csmpipeline.engine.csm.Sampler;
import dev.csmpipeline.engine.csm.StepListener;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;

/**
 * Continuous batching over a loaded {@link CsmEngine}: requests {@link #join} at any time and enter the running batch
 * at the next frame boundary; every {@link #step} is one frame for all running rows (one backbone call, 31 depth
 * calls); a row is answered the moment it stops. Each request is prepared exactly as {@link CsmEngine#synthesize}
 * prepares it (prompt grid with its context, frame budget, sampler seeded from the prompt), so a row's codes equal
 * the same request run alone, up to the float rounding of batched kernels.
 *
 * <p>{@link #join} may be called from any thread; {@link #step} by the one thread that owns the batch. Close it before
 * the engine.
 */
public final class BatchedEngine implements AutoCloseable {

    private final CsmEngine engine;
    private final BatchLoop loop;

    BatchedEngine(CsmEngine engine, BatchLoop loop) {
        this.engine = engine;
        this.loop = loop;
    }

    /**
     * Queues a request for the batch.
     *
     * @return the row's codes (stop frame included, as {@link CsmEngine#generateCodes}); cancelled through
     *         {@code control} it completes with {@link SynthesisCancelledException}
     * @throws EngineRejectedException when the prompt does not fit the context, as for {@link CsmEngine#synthesize}
     */
    public CompletableFuture<GeneratedCodes> join(SpeechPrompt prompt, SynthesisControl control,
            StepListener listener) {
        PromptGrid grid = engine.buildPrompt(prompt);
        int maxFrames = engine.frameBudget(prompt, grid);
        Sampler sampler = Sampler.of(prompt.temperature(), prompt.topK(), new SplittableRandom(prompt.seed()),
                engine.manifest().audio().audioVocabSize());
        return loop.join(grid, maxFrames, sampler, control, listener).result();
    }

    /** {@link #join} without a listener. */
    public CompletableFuture<GeneratedCodes> join(SpeechPrompt prompt, SynthesisControl control) {
        return join(prompt, control, StepListener.NONE);
    }

    /** One frame for every running row, after admitting waiting rows into free slots. */
    public void step() {
        loop.step();
    }

    /** Steps until no row runs or waits. */
    public void runToEnd() {
        loop.runToEnd();
    }

    public boolean hasWork() {
        return loop.hasWork();
    }

    /** Time spent so far by part of the frame (backbone, prefills, depth calls with sampling, regroups). */
    public BatchLoop.Timings timings() {
        return loop.timings();
    }

    public int runningRows() {
        return loop.runningRows();
    }

    @Override
    public void close() {
        loop.close();
    }
}
