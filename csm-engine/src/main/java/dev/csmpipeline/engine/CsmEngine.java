package dev.csmpipeline.engine;

import dev.csmpipeline.engine.csm.BundleFiles;
import dev.csmpipeline.engine.csm.BundleManifest;
import dev.csmpipeline.engine.csm.CsmGraphs;
import dev.csmpipeline.engine.csm.FrameLoop;
import dev.csmpipeline.engine.csm.GeneratedCodes;
import dev.csmpipeline.engine.csm.PromptTokenizer;
import dev.csmpipeline.engine.csm.Sampler;
import dev.csmpipeline.engine.csm.StepListener;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.locks.ReadWriteLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sesame's CSM on ONNX Runtime: a loaded bundle (docs/BUNDLE-FORMAT.md) turning {@code (speaker, text)} into 24 kHz
 * PCM, token-exact with Hugging Face transformers' greedy {@code generate} on the same weights.
 *
 * <p>Per call: {@link #tokenizePrompt tokenize} {@code [speaker]text}, cap the frames ({@link #frameBudget}), run the
 * {@link FrameLoop} (backbone step, codebook 0, 31 depth steps, stop rule) with a {@link Sampler} seeded from the
 * prompt, then decode the audio frames with Mimi.
 *
 * <p><b>Concurrency.</b> One engine per loaded model; {@link #synthesize} may be called from several threads at once
 * and the calls <em>run concurrently</em>, not serialized: the engine (manifest, tokenizer, ONNX Runtime sessions)
 * is immutable and shared, and each call owns its generation state (caches, tensors, random stream). Concurrent
 * calls share the sessions' intra-op thread pools, so on a small CPU they split its cores. {@link #close} waits for
 * calls in progress, then closes the sessions; later calls fail with {@link IllegalStateException}.
 *
 * <p><b>Limits.</b> Frames are capped at {@code prompt.maxFrames()} and at {@code max_seq_len - promptTokens} (the
 * backbone's context); a prompt that leaves no room for one frame is rejected ({@link EngineRejectedException}).
 *
 * <p><b>Stop rule.</b> transformers': a frame whose codebooks 0..30 are all 0 ends the utterance; that frame is not
 * audio and never reaches Mimi. Codes 2048..2050 are kept as generated and replaced by 0 just before Mimi.
 */
public final class CsmEngine implements SpeechEngine {

    private static final Logger log = LoggerFactory.getLogger(CsmEngine.class);

    private final BundleManifest manifest;
    private final PromptTokenizer tokenizer;
    private final CsmGraphs graphs;
    private final FrameLoop frameLoop;
    private final EngineInfo info;
    private final ReadWriteLock lifecycle = new ReentrantReadWriteLock();
    private boolean closed; // guarded by lifecycle's write lock

    private CsmEngine(BundleManifest manifest, PromptTokenizer tokenizer, CsmGraphs graphs) {
        this.manifest = manifest;
        this.tokenizer = tokenizer;
        this.graphs = graphs;
        this.frameLoop = new FrameLoop(graphs, manifest);
        this.info = new EngineInfo(manifest.model().name(), manifest.model().kind(), graphs.device(),
                manifest.audio().sampleRate());
    }

    /**
     * Loads a bundle directory: reads and validates {@code manifest.json}, checks every file's sha256, loads the
     * tokenizer and opens the three ONNX Runtime sessions on the device {@code options} asks for.
     *
     * @throws BundleException       naming the missing or corrupt file, the bad field or the unknown format version
     * @throws IllegalStateException when {@code cuda} is requested and unavailable
     */
    public static CsmEngine load(Path bundleDir, EngineOptions options) {
        long t0 = System.nanoTime();
        if (!Files.isDirectory(bundleDir)) {
            throw new BundleException("model bundle directory " + bundleDir + " does not exist: export one with "
                    + "tools/csm-export and point CSM_MODEL_DIR (or --model) at it");
        }
        Path dir = bundleDir.toAbsolutePath().normalize();
        BundleManifest manifest = BundleManifest.read(dir);
        BundleFiles.verify(dir, manifest);
        PromptTokenizer tokenizer = PromptTokenizer.load(dir, manifest.text());
        CsmGraphs graphs;
        try {
            graphs = CsmGraphs.open(dir, manifest, options);
        } catch (RuntimeException e) {
            tokenizer.close();
            throw e;
        }
        CsmEngine engine = new CsmEngine(manifest, tokenizer, graphs);
        log.info("event=engine_loaded model={} kind={} dtype={} device={} intra_op_threads={} bundle={} took_ms={}",
                manifest.model().name(), manifest.model().kind(), manifest.model().dtype(), graphs.device(),
                options.intraOpThreads(), dir, (System.nanoTime() - t0) / 1_000_000);
        return engine;
    }

    @Override
    public Synthesis synthesize(SpeechPrompt prompt, SynthesisControl control) {
        return whileOpen(() -> {
            long t0 = System.nanoTime();
            GeneratedCodes codes = generate(prompt, control, StepListener.NONE);
            if (control.isCancelled()) {
                throw new SynthesisCancelledException(codes.frames().size());
            }
            long t1 = System.nanoTime();
            List<int[]> audio = codes.audioFrames();
            float[] pcm = frameLoop.decodeAudio(audio);
            long t2 = System.nanoTime();
            Synthesis.StopReason reason = codes.stoppedEarly() ? Synthesis.StopReason.END_OF_AUDIO
                    : Synthesis.StopReason.MAX_FRAMES;
            if (log.isDebugEnabled()) {
                log.debug("event=synthesized prompt_tokens={} frames={} audio_frames={} stop={} generate_ms={} "
                        + "ms_per_frame={} decode_ms={}", codes.promptTokens(), codes.frames().size(), audio.size(),
                        reason, (t1 - t0) / 1_000_000, String.format(java.util.Locale.ROOT, "%.1f",
                                (t1 - t0) / 1e6 / Math.max(1, codes.frames().size())), (t2 - t1) / 1_000_000);
            }
            return new Synthesis(pcm, manifest.audio().sampleRate(), audio.size(), reason);
        });
    }

    /**
     * The frame loop without the Mimi decode: every generated code, the stop frame included. For parity checks and
     * tools; {@link #synthesize} is the service entry.
     */
    public GeneratedCodes generateCodes(SpeechPrompt prompt, SynthesisControl control, StepListener listener) {
        return whileOpen(() -> generate(prompt, control, listener));
    }

    private GeneratedCodes generate(SpeechPrompt prompt, SynthesisControl control, StepListener listener) {
        long[] ids = tokenizePrompt(prompt.speakerId(), prompt.text());
        int maxFrames = frameBudget(prompt, ids.length);
        Sampler sampler = Sampler.of(prompt.temperature(), prompt.topK(), new SplittableRandom(prompt.seed()),
                manifest.audio().audioVocabSize());
        return frameLoop.generate(ids, maxFrames, sampler, control, listener);
    }

    @Override
    public List<int[]> encodeAudio(float[] pcm) {
        throw new EngineRejectedException("model " + info.modelName() + " has no Mimi encoder (mimi_encoder.onnx): "
                + "re-export the bundle with tools/csm-export to use voices");
    }

    /** Mimi decode of audio frames ({@code frames.get(f)[k]} = codebook k of frame f) to PCM. */
    public float[] decodeAudio(List<int[]> audioFrames) {
        return whileOpen(() -> frameLoop.decodeAudio(audioFrames));
    }

    /** Prompt token ids of {@code [speaker]text}: bos, the text's ids, eos. */
    public long[] tokenizePrompt(int speakerId, String text) {
        return tokenizer.tokenizePrompt(speakerId, text);
    }

    /**
     * Frames this prompt may generate: {@code prompt.maxFrames()}, but no more than the backbone context leaves
     * after the prompt ({@code max_seq_len - promptTokens}).
     *
     * @throws EngineRejectedException when the prompt alone fills the context
     */
    public int frameBudget(SpeechPrompt prompt, int promptTokens) {
        int maxSeqLen = manifest.generation().maxSeqLen();
        int room = maxSeqLen - promptTokens;
        if (room < 1) {
            throw new EngineRejectedException("the text is " + promptTokens + " tokens long but the model's context "
                    + "holds " + maxSeqLen + " positions for prompt and audio together: split the text into shorter "
                    + "requests (about " + maxSeqLen / 4 + " tokens each leaves room for the audio)");
        }
        if (room < prompt.maxFrames()) {
            log.info("event=frames_capped prompt_tokens={} requested_frames={} frames={} max_seq_len={}",
                    promptTokens, prompt.maxFrames(), room, maxSeqLen);
        }
        return Math.min(prompt.maxFrames(), room);
    }

    /** The bundle's manifest (dimensions, ids, limits). */
    public BundleManifest manifest() {
        return manifest;
    }

    @Override
    public EngineInfo info() {
        return info;
    }

    @Override
    public void close() {
        lifecycle.writeLock().lock();
        try {
            if (closed) {
                return;
            }
            closed = true;
            graphs.close();
            tokenizer.close();
            log.info("event=engine_closed model={}", info.modelName());
        } finally {
            lifecycle.writeLock().unlock();
        }
    }

    private <T> T whileOpen(java.util.function.Supplier<T> call) {
        lifecycle.readLock().lock();
        try {
            if (closed) {
                throw new IllegalStateException("engine for " + info.modelName() + " is closed: load a new one");
            }
            return call.get();
        } finally {
            lifecycle.readLock().unlock();
        }
    }
}
