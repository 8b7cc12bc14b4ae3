package dev.csmpipeline.engine.csm;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import dev.csmpipeline.engine.SynthesisCancelledException;
import dev.csmpipeline.engine.SynthesisControl;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.LongBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * CSM's generation algorithm over a bundle's graphs (docs/BUNDLE-FORMAT.md, sections 5-7), batch 1:
 *
 * <pre>
 * for each frame f &lt; maxFrames:
 *     backbone(prompt grid) if f == 0 else backbone(frame f-1)    -&gt; codebook-0 logits, last_hidden
 *     c[0] = choose(codebook-0 logits)
 *     for k in 1..31: depth(last_hidden, c[k-1])                  -&gt; codebook-k logits;  c[k] = choose(...)
 *     if c[0..30] are all 0: stop (the stop frame is kept in the codes but is not audio)
 * pcm = mimi(audio frames, codes 2048..2050 replaced by 0)
 * </pre>
 *
 * One loop per loaded engine, shared by concurrent {@link #generate} calls. What it owns: the bundle's graphs and
 * manifest (immutable) and {@code cacheBuffers}, a pool of idle backbone KV-cache buffers kept between calls. Why
 * sharing is safe: everything one call mutates (caches, positions, the frames so far) lives in that call's
 * {@link Generation}; the pool is thread-safe, and a buffer taken from it belongs to exactly one {@code Generation}
 * until that generation's {@code close} gives it back. The prompt (context segments and text) arrives as a
 * {@link PromptGrid}.
 */
public final class FrameLoop {

    /**
     * Idle cache buffers kept for later calls: as many as a worker runs generations at once (WORKER_SLOTS, a few),
     * so steady work allocates no off-heap memory; more idle buffers are left to the garbage collector.
     */
    private static final int IDLE_CACHE_BUFFERS = 4;

    private final CsmGraphs graphs;
    private final BundleManifest manifest;
    private final int numCodebooks;
    /** Off-heap backbone caches reused across calls (up to 128 MiB each for csm-1b); see {@link CacheBuffers}. */
    private final CacheBuffers cacheBuffers = new CacheBuffers(IDLE_CACHE_BUFFERS);

    public FrameLoop(CsmGraphs graphs, BundleManifest manifest) {
        this.graphs = graphs;
        this.manifest = manifest;
        this.numCodebooks = manifest.audio().numCodebooks();
    }

    /**
     * Generates up to {@code maxFrames} frames after a prompt: the prefill over the whole prompt gives frame 0, then
     * each frame is fed back to give the next, until the stop frame or the cap.
     *
     * @param maxFrames frame cap; the caller has checked that prompt plus frames fit the context
     * @param control   polled before every frame (cancellation), told after every frame (progress)
     * @throws SynthesisCancelledException when {@code control} cancels between frames
     */
    public GeneratedCodes generate(PromptGrid prompt, int maxFrames, Sampler sampler, SynthesisControl control,
            StepListener listener) {
        List<int[]> frames = new ArrayList<>();
        try (Generation g = new Generation(graphs, manifest, prompt.positions() + maxFrames, cacheBuffers)) {
            for (int f = 0; f < maxFrames; f++) {
                if (control.isCancelled()) {
                    throw new SynthesisCancelledException(f);
                }
                if (f == 0) {
                    g.backbonePrefill(Generation.promptFrames(prompt));
                } else {
                    g.backboneStep(frames.get(f - 1));
                }
                int[] frame = chooseFrame(g, sampler, f, listener);
                frames.add(frame);
                listener.frame(f, frame);
                control.onFrame(f + 1);
                if (isStopFrame(frame)) {
                    return new GeneratedCodes(frames, true, prompt.positions());
                }
            }
        } catch (OrtException e) {
            throw new IllegalStateException("ONNX Runtime failed during generation at frame " + frames.size() + ": "
                    + e.getMessage(), e);
        }
        return new GeneratedCodes(frames, false, prompt.positions());
    }

    /** The frame after a backbone step: codebook 0 from its logits, then codebooks 1..31 from the depth decoder. */
    private int[] chooseFrame(Generation g, Sampler sampler, int f, StepListener listener) throws OrtException {
        int[] frame = new int[numCodebooks];
        float[] logits = g.logits();
        if (listener != StepListener.NONE) {
            listener.backbone(f, logits, g.lastHidden());
        }
        frame[0] = sampler.choose(logits);
        depthFrame(g, frame, sampler, f, listener);
        return frame;
    }

    /** Codebooks 1..31 of a frame whose codebook 0 is chosen: 31 depth calls over a fresh depth cache. */
    private void depthFrame(Generation g, int[] frame, Sampler sampler, int f, StepListener listener)
            throws OrtException {
        for (int k = 1; k < numCodebooks; k++) {
            g.depthStep(k, frame[k - 1]);
            float[] logits = g.logits();
            if (listener != StepListener.NONE) {
                listener.depth(f, k, logits);
            }
            frame[k] = sampler.choose(logits);
        }
    }

    /**
     * transformers' stop rule: codebooks 0..30 all equal {@code codebook_eos_token_id}; the last codebook is not
     * looked at (Sesame's generator also requires it to be 0).
     */
    public boolean isStopFrame(int[] frame) {
        int eos = manifest.audio().codebookEosTokenId();
        for (int k = 0; k < numCodebooks - 1; k++) {
            if (frame[k] != eos) {
                return false;
            }
        }
        return true;
    }

    /**
     * Mimi decode of the audio frames, all at once (the decoder is not streaming): codes
     * {@code (1, num_codebooks, frames)} codebook-major, to {@code frames * samples_per_frame} samples. Codes Mimi
     * cannot decode (2048..2050) are replaced by 0 first, keeping their time slot.
     */
    public float[] decodeAudio(List<int[]> audioFrames) {
        int n = audioFrames.size();
        if (n == 0) {
            return new float[0];
        }
        LongBuffer codes = ByteBuffer.allocateDirect(numCodebooks * n * Long.BYTES).order(ByteOrder.nativeOrder())
                .asLongBuffer(); // (1, num_codebooks, frames)
        for (int f = 0; f < n; f++) {
            int[] frame = audioFrames.get(f);
            for (int k = 0; k < numCodebooks; k++) {
                codes.put(k * n + f, mimiCode(frame[k]));
            }
        }
        try (OnnxTensor in = OnnxTensor.createTensor(graphs.env(), codes, new long[] {1, numCodebooks, n});
                OrtSession.Result out = graphs.mimiDecoder().run(Map.of("codes", in))) {
            FloatBuffer pcm = ((OnnxTensor) out.get("pcm").orElseThrow()).getFloatBuffer(); // (1, 1, samples)
            int expected = n * manifest.audio().samplesPerFrame();
            if (pcm.remaining() != expected) {
                throw new IllegalStateException("mimi_decoder returned " + pcm.remaining() + " samples for " + n
                        + " frames, expected " + expected + ": the bundle's Mimi graph does not match its manifest");
            }
            float[] samples = new float[expected];
            pcm.get(samples);
            return samples;
        } catch (OrtException e) {
            throw new IllegalStateException("ONNX Runtime failed in the Mimi decoder: " + e.getMessage(), e);
        }
    }

    /** Section 7: a code Mimi cannot decode becomes 0 in its place. */
    private long mimiCode(int code) {
        return code >= 0 && code < manifest.audio().mimiCodebookSize() ? code : 0;
    }
}
