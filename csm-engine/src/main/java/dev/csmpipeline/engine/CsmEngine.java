package dev.csmpipeline.engine;

import dev.csmpipeline.engine.csm.BundleFiles;
import dev.csmpipeline.engine.csm.BundleManifest;
import dev.csmpipeline.engine.csm.ClipEncoder;
import dev.csmpipeline.engine.csm.CsmGraphs;
import dev.csmpipeline.engine.csm.FrameLoop;
import dev.csmpipeline.engine.csm.GeneratedCodes;
import dev.csmpipeline.engine.csm.PcmChunker;
import dev.csmpipeline.engine.csm.PromptGrid;
import dev.csmpipeline.engine.csm.PromptTokenizer;
import dev.csmpipeline.engine.csm.Sampler;
import dev.csmpipeline.engine.csm.StepListener;
import dev.csmpipeline.engine.csm.StreamingMimi;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.concurrent.locks.ReadWriteLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sesame's CSM on ONNX Runtime: a loaded bundle (docs/BUNDLE-FORMAT.md) turning {@code (speaker, text)} into 24 kHz
 * PCM, token-exact with Hugging Face transformers' greedy {@code generate} on the same weights.
 *
 * <p>Per call: {@link #buildPrompt build the prompt} (each context segment's text, audio and end-of-audio frames, then
 * the utterance's {@code [speaker]text}), cap the frames ({@link #frameBudget}), run the {@link FrameLoop} (backbone
 * step, codebook 0, 31 depth steps, stop rule) with a {@link Sampler} seeded from the prompt, then decode the audio
 * frames with Mimi. {@link #encodeAudio} turns a voice clip into the codes a context segment carries.
 *
 * <p><b>Concurrency.</b> One engine per loaded model; {@link #synthesize} may be called from several threads at once
 * and the calls <em>run concurrently</em>, not serialized: the engine (manifest, tokenizer, ONNX Runtime sessions)
 * is immutable and shared, and each call owns its generation state (caches, tensors, random stream). Concurrent
 * calls share the sessions' intra-op thread pools, so on a small CPU they split its cores. {@link #close} waits for
 * calls in progress, then closes the sessions; later calls fail with {@link IllegalStateException}.
 *
 * <p><b>Limits.</b> Prompt positions plus frames never exceed {@code max_seq_len} (the backbone's context). With
 * {@code fitFrames} the frame cap shrinks to the room the prompt leaves; without it a cap that does not fit is
 * rejected with the numbers; a prompt that leaves no room for one frame is rejected either way
 * ({@link EngineRejectedException}).
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
    private final Optional<ClipEncoder> clipEncoder; // empty for a format-1 bundle
    private final Optional<StreamingMimi> streamingMimi; // empty for a bundle exported without it
    private final EngineInfo info;
    private final ReadWriteLock lifecycle = new ReentrantReadWriteLock();
    private boolean closed; // guarded by lifecycle's write lock

    private CsmEngine(BundleManifest manifest, PromptTokenizer tokenizer, CsmGraphs graphs,
            Optional<StreamingMimi> streamingMimi) {
        this.manifest = manifest;
        this.streamingMimi = streamingMimi;
        this.tokenizer = tokenizer;
        this.graphs = graphs;
        this.frameLoop = new FrameLoop(graphs, manifest);
        this.clipEncoder = graphs.mimiEncoder().map(e -> new ClipEncoder(graphs, manifest));
        this.info = new EngineInfo(manifest.model().name(), manifest.model().kind(), graphs.device(),
                manifest.audio().sampleRate());
    }

    /**
     * Loads a bundle directory: reads and validates {@code manifest.json}, checks every file's sha256, loads the
     * tokenizer and opens the ONNX Runtime sessions (three, four with the Mimi encoder) on the device {@code options}
     * asks for.
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
        Optional<StreamingMimi> streaming;
        try {
            streaming = StreamingMimi.open(graphs, dir, manifest, options);
        } catch (RuntimeException e) {
            graphs.close();
            tokenizer.close();
            throw e;
        }
        CsmEngine engine = new CsmEngine(manifest, tokenizer, graphs, streaming);
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
                log.debug("event=synthesized prompt_positions={} frames={} audio_frames={} stop={} generate_ms={} "
                        + "ms_per_frame={} decode_ms={}", codes.promptPositions(), codes.frames().size(), audio.size(),
                        reason, (t1 - t0) / 1_000_000, String.format(java.util.Locale.ROOT, "%.1f",
                                (t1 - t0) / 1e6 / Math.max(1, codes.frames().size())), (t2 - t1) / 1_000_000);
            }
            return new Synthesis(pcm, manifest.audio().sampleRate(), audio.size(), reason, codes.promptPositions(),
                    prompt.contextFrames());
        });
    }

    /**
     * {@link #synthesize} with the audio handed to {@code listener} as it is generated: every {@code chunkFrames}
     * audio frames are decoded with the bundle's streaming Mimi decoder (carrying the decoder's state from chunk to
     * chunk) while the next frames are generated, and a last chunk follows the final frame. The returned synthesis
     * holds the concatenated chunks, which equal {@link #synthesize}'s one-shot decode of the same frames within
     * float rounding (1e-4; see docs/BUNDLE-FORMAT.md, "Streaming Mimi decoder").
     *
     * @param chunkFrames audio frames per chunk (80 ms each), 1 to {@link #maxChunkFrames()}
     * @throws EngineRejectedException when the bundle has no streaming decoder (re-export it) or the chunk size is
     *                                 out of range
     */
    @Override
    public Synthesis synthesizeStreaming(SpeechPrompt prompt, SynthesisControl control, int chunkFrames,
            AudioChunkListener listener) {
        return whileOpen(() -> {
            try (PcmChunker chunker = chunker(chunkFrames, listener)) {
                GeneratedCodes codes = generate(prompt, control, chunker);
                if (control.isCancelled()) {
                    throw new SynthesisCancelledException(codes.frames().size());
                }
                float[] pcm = chunker.finish();
                Synthesis.StopReason reason = codes.stoppedEarly() ? Synthesis.StopReason.END_OF_AUDIO
                        : Synthesis.StopReason.MAX_FRAMES;
                return new Synthesis(pcm, manifest.audio().sampleRate(), codes.audioFrames().size(), reason,
                        codes.promptPositions(), prompt.contextFrames());
            }
        });
    }

    /** Whether this bundle can stream ({@link #synthesizeStreaming}); false for bundles exported before it. */
    @Override
    public boolean canStream() {
        return streamingMimi.isPresent();
    }

    /** The largest chunk {@link #synthesizeStreaming} takes, in frames (0 when the bundle cannot stream). */
    @Override
    public int maxChunkFrames() {
        return streamingMimi.map(StreamingMimi::maxChunkFrames).orElse(0);
    }

    /** A chunker of this synthesis' audio into {@code listener}, for a batch row (the caller closes it). */
    PcmChunker chunker(int chunkFrames, AudioChunkListener listener) {
        StreamingMimi mimi = streamingMimi.orElseThrow(() -> new EngineRejectedException("model " + info.modelName()
                + " was exported without " + StreamingMimi.GRAPH_KEY + ".onnx, so its audio cannot be streamed: "
                + "re-export the bundle with tools/csm-export"));
        if (chunkFrames < 1 || chunkFrames > mimi.maxChunkFrames()) {
            throw new EngineRejectedException("chunk size must be 1 to " + mimi.maxChunkFrames() + " frames, got "
                    + chunkFrames);
        }
        return new PcmChunker(mimi, frameLoop::isStopFrame, chunkFrames, listener);
    }

    /**
     * Streaming Mimi decode of audio frames in chunks of {@code chunkPlan} frames (cycled), concatenated: for parity
     * checks against {@link #decodeAudio}.
     */
    public float[] decodeAudioStreamed(List<int[]> audioFrames, int[] chunkPlan) {
        StreamingMimi mimi = streamingMimi.orElseThrow(() -> new EngineRejectedException("model "
                + info.modelName() + " has no " + StreamingMimi.GRAPH_KEY + " graph: re-export the bundle"));
        return whileOpen(() -> {
            float[] pcm = new float[audioFrames.size() * manifest.audio().samplesPerFrame()];
            try (StreamingMimi.State state = mimi.newState()) {
                int at = 0;
                for (int f = 0, k = 0; f < audioFrames.size(); k++) {
                    int n = Math.min(chunkPlan[k % chunkPlan.length], audioFrames.size() - f);
                    float[] chunk = mimi.decode(state, audioFrames.subList(f, f + n));
                    System.arraycopy(chunk, 0, pcm, at, chunk.length);
                    at += chunk.length;
                    f += n;
                }
            }
            return pcm;
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
        PromptGrid grid = buildPrompt(prompt);
        int maxFrames = frameBudget(prompt, grid);
        Sampler sampler = Sampler.of(prompt.temperature(), prompt.topK(), new SplittableRandom(prompt.seed()),
                manifest.audio().audioVocabSize());
        return frameLoop.generate(grid, maxFrames, sampler, control, listener);
    }

    /**
     * A continuous batch of at most {@code maxRows} rows over this engine's sessions ({@link BatchedEngine}); its
     * buffers are its own, so several batches may run on one engine.
     */
    public BatchedEngine batched(int maxRows) {
        return whileOpen(() -> new BatchedEngine(this, new dev.csmpipeline.engine.csm.BatchLoop(graphs, manifest,
                maxRows)));
    }

    /**
     * Mimi's encoder over a voice clip: {@code ceil(samples / samples_per_frame)} frames of codes, as transformers'
     * {@code codec_model.encode}.
     *
     * @throws EngineRejectedException for a bundle without the encoder (format 1: re-export it), a clip shorter than
     *                                 one frame, or a non-finite sample
     */
    @Override
    public List<int[]> encodeAudio(float[] pcm) {
        return whileOpen(() -> clipEncoder.orElseThrow(() -> new EngineRejectedException("model " + info.modelName()
                + " was exported without the Mimi encoder (its bundle has format_version "
                + manifest.formatVersion() + " and no " + BundleManifest.MIMI_ENCODER_FILE + "): re-export the "
                + "bundle with tools/csm-export (format_version " + BundleManifest.FORMAT_VERSION + ") to use voices"))
                .encodeClip(pcm));
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
     * The backbone prompt of a request (docs/BUNDLE-FORMAT.md, section 3): every context segment's text frames,
     * audio frames and end-of-audio frame, oldest first, then the utterance's text frames.
     *
     * @throws EngineRejectedException when a context frame does not hold one Mimi code per codebook
     */
    public PromptGrid buildPrompt(SpeechPrompt prompt) {
        List<PromptGrid.Segment> context = new ArrayList<>(prompt.context().size());
        for (ContextSegment c : prompt.context()) {
            context.add(new PromptGrid.Segment(tokenizePrompt(c.speakerId(), c.text()), c.audioFrames()));
        }
        return PromptGrid.build(manifest.audio(), context, tokenizePrompt(prompt.speakerId(), prompt.text()));
    }

    /**
     * Frames this prompt may generate (docs/BUNDLE-FORMAT.md, section 6): prompt positions plus frames must fit in
     * {@code max_seq_len}. With {@code prompt.fitFrames()} the cap {@code prompt.maxFrames()} shrinks to the room the
     * prompt leaves; without it a cap that does not fit is refused.
     *
     * @throws EngineRejectedException naming the positions of context and text, the frames asked for and the limit,
     *                                 when the prompt leaves no room for one frame, or (not fitting) for the cap
     */
    public int frameBudget(SpeechPrompt prompt, PromptGrid grid) {
        int maxSeqLen = manifest.generation().maxSeqLen();
        int room = maxSeqLen - grid.positions();
        if (room < 1 || (!prompt.fitFrames() && prompt.maxFrames() > room)) {
            throw new EngineRejectedException(budgetMessage(prompt, grid, maxSeqLen, room));
        }
        if (room < prompt.maxFrames()) {
            log.info("event=frames_capped prompt_positions={} context_positions={} requested_frames={} frames={} "
                    + "max_seq_len={}", grid.positions(), grid.contextPositions(), prompt.maxFrames(), room, maxSeqLen);
        }
        return Math.min(prompt.maxFrames(), room);
    }

    private String budgetMessage(SpeechPrompt prompt, PromptGrid grid, int maxSeqLen, int room) {
        String numbers = "the context takes " + grid.contextPositions() + " positions (" + grid.contextFrames()
                + " audio frames of " + prompt.context().size() + " segment(s) with their text), the text "
                + grid.textPositions() + ", and " + prompt.maxFrames() + " frames were asked for: "
                + grid.contextPositions() + " + " + grid.textPositions() + " + " + prompt.maxFrames() + " = "
                + (grid.positions() + prompt.maxFrames()) + " > the model's limit of " + maxSeqLen + " positions";
        if (room < 1) {
            return numbers + ", and the prompt alone leaves no room for audio: use a shorter voice prompt or split "
                    + "the text into shorter requests";
        }
        return numbers + ": ask for at most " + room + " frames (" + Math.round(room * manifest.audio().frameMs()) + " ms), use a shorter voice prompt, "
                + "or split the text";
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
            streamingMimi.ifPresent(StreamingMimi::close);
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
