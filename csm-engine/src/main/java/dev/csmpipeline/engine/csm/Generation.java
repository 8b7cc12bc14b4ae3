package dev.csmpipeline.engine.csm;

import ai.onnxruntime.OnnxJavaType;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxValue;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.LongBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The state of one utterance's generation: both key/value caches, the input and output tensors of every graph call,
 * and the calls themselves ({@link #backbonePrefill}, {@link #backboneStep}, {@link #depthStep}). The model
 * ({@link CsmGraphs}) is shared; this is not, and is used by one thread.
 *
 * <p>Every tensor here is a view over a direct buffer owned by this object, and every output is pinned (written by
 * ONNX Runtime straight into those buffers): the codebook logits land in {@link #logits}, the backbone's
 * {@code last_hidden} in the buffer the depth decoder reads it from, and each call's {@code new_kv} in the free
 * positions of its cache. The 31 depth calls of a frame always see the same shapes, so their tensors and argument
 * maps are built once here and reused for every frame: the hot loop allocates nothing but ONNX Runtime's result
 * handle.
 */
final class Generation implements AutoCloseable {

    private final CsmGraphs graphs;
    private final OrtEnvironment env;
    private final int columns; // frame columns: num_codebooks + 1
    private final int numCodebooks;

    private final CacheBuffers cacheBuffers;
    private final ByteBuffer backboneKvBuffer; // backs backboneKv; returned to cacheBuffers on close
    private final KvCache backboneKv; // (prompt + frames, layers, 2, 1, kv_heads, head_dim)
    private final KvCache depthKv; // (num_codebooks, depth_layers, 2, 1, depth_kv_heads, depth_head_dim)

    private final FloatBuffer logits; // (1, audio_vocab) float32: codebook logits of the last call of either graph
    private final float[] logitsRow; // (audio_vocab,) heap copy of logits handed to the sampler
    private final OnnxTensor logitsOut;
    private final ByteBuffer lastHiddenBytes; // (1, backbone_hidden) ft: backbone output, depth decoder input
    private final OnnxTensor lastHidden; // view of lastHiddenBytes

    private final LongBuffer frameTokens; // (1, 1, 33) one generated frame fed back: codes in 0..31, 0 in column 32
    private final OnnxTensor frameTokensIn;
    private final OnnxTensor frameMaskIn; // (1, 1, 33) bool: true on the 32 codebook columns, false on the text column
    private final LongBuffer position; // (1, 1) RoPE position of the frame fed back
    private final OnnxTensor positionIn;
    private final LongBuffer ones; // (capacity,) all 1: attention_mask (1, total_seq) is a prefix view of it

    private final LongBuffer depthTokens; // (1, 2) first depth call of a frame: [placeholder 0, c0], later (1, 1)
    private final OnnxTensor depthFirstTokensIn; // (1, 2) view
    private final OnnxTensor depthTokenIn; // (1, 1) view of a separate one-element buffer
    private final LongBuffer depthToken; // (1,) the code of the previous codebook
    private final List<Map<String, OnnxTensor>> depthInputs; // index k = call for codebook k (1..31); 0 unused
    private final List<Map<String, OnnxValue>> depthOutputs;
    private final List<OnnxTensor> owned = new ArrayList<>();

    private int nextPosition; // backbone position of the next frame fed back
    private boolean closed;

    /**
     * @param maxPositions backbone positions this generation may fill (prompt plus generated frames)
     * @param cacheBuffers where the backbone cache's buffer comes from and goes back to
     */
    Generation(CsmGraphs graphs, BundleManifest manifest, int maxPositions, CacheBuffers cacheBuffers)
            throws OrtException {
        this.graphs = graphs;
        this.cacheBuffers = cacheBuffers;
        this.env = graphs.env();
        BundleManifest.Audio audio = manifest.audio();
        this.columns = audio.frameColumns();
        this.numCodebooks = audio.numCodebooks();
        int elementBytes = manifest.kvElementBytes();
        OnnxJavaType ft = elementBytes == 2 ? OnnxJavaType.FLOAT16 : OnnxJavaType.FLOAT;
        backboneKvBuffer = cacheBuffers.acquire(maxPositions * manifest.backbone().kvElementsPerPosition()
                * elementBytes);
        try {
            backboneKv = new KvCache(env, manifest.backbone(), elementBytes, backboneKvBuffer, maxPositions);
            depthKv = new KvCache(env, manifest.depthDecoder(), elementBytes, numCodebooks);

            logits = direct(audio.audioVocabSize() * Float.BYTES).asFloatBuffer();
            logitsRow = new float[audio.audioVocabSize()];
            logitsOut = own(OnnxTensor.createTensor(env, logits, new long[] {1, audio.audioVocabSize()}));
            int hidden = manifest.backbone().hiddenSize();
            lastHiddenBytes = direct(hidden * elementBytes);
            lastHidden = own(OnnxTensor.createTensor(env, lastHiddenBytes, new long[] {1, hidden}, ft));

            frameTokens = direct(columns * Long.BYTES).asLongBuffer();
            frameTokensIn = own(OnnxTensor.createTensor(env, frameTokens, new long[] {1, 1, columns}));
            ByteBuffer mask = direct(columns);
            for (int c = 0; c < numCodebooks; c++) {
                mask.put(c, (byte) 1);
            }
            frameMaskIn = own(OnnxTensor.createTensor(env, mask, new long[] {1, 1, columns}, OnnxJavaType.BOOL));
            position = direct(Long.BYTES).asLongBuffer();
            positionIn = own(OnnxTensor.createTensor(env, position, new long[] {1, 1}));
            ones = direct(maxPositions * Long.BYTES).asLongBuffer();
            for (int i = 0; i < maxPositions; i++) {
                ones.put(i, 1L);
            }

            depthTokens = direct(2 * Long.BYTES).asLongBuffer();
            depthFirstTokensIn = own(OnnxTensor.createTensor(env, depthTokens, new long[] {1, 2}));
            depthToken = direct(Long.BYTES).asLongBuffer();
            depthTokenIn = own(OnnxTensor.createTensor(env, depthToken, new long[] {1, 1}));
            depthInputs = new ArrayList<>();
            depthOutputs = new ArrayList<>();
            depthInputs.add(null);
            depthOutputs.add(null);
            for (int k = 1; k < numCodebooks; k++) {
                // call k (logits of codebook k): call 1 writes depth positions 0..1 (placeholder, c0),
                // call k >= 2 finds positions 0..k-1 filled and writes position k (the code of codebook k-1)
                int past = k == 1 ? 0 : k;
                int seq = k == 1 ? 2 : 1;
                OnnxTensor pastKv = own(depthKv.pastOf(past));
                OnnxTensor newKv = own(depthKv.slot(past, seq));
                depthInputs.add(Map.of("last_hidden", lastHidden, "tokens", k == 1 ? depthFirstTokensIn : depthTokenIn,
                        "past_kv", pastKv));
                depthOutputs.add(Map.of("logits", logitsOut, "new_kv", newKv));
            }
        } catch (OrtException | RuntimeException e) {
            close();
            throw e;
        }
    }

    /**
     * The prompt grid (docs/BUNDLE-FORMAT.md, section 3) as the prefill's input tensors, at positions
     * {@code 0..P-1}.
     */
    static PromptFrames promptFrames(PromptGrid grid) {
        int s = grid.positions();
        LongBuffer tokens = direct(grid.tokens().length * Long.BYTES).asLongBuffer(); // (1, P, 33)
        ByteBuffer mask = direct(grid.mask().length); // (1, P, 33) bool
        LongBuffer positions = direct(s * Long.BYTES).asLongBuffer(); // (1, P)
        tokens.put(0, grid.tokens());
        for (int i = 0; i < grid.mask().length; i++) {
            mask.put(i, grid.mask()[i] ? (byte) 1 : (byte) 0);
        }
        for (int i = 0; i < s; i++) {
            positions.put(i, i);
        }
        return new PromptFrames(s, tokens, mask, positions);
    }

    /**
     * @param length    P, prompt positions
     * @param tokens    (1, P, 33) int64
     * @param mask      (1, P, 33) bool
     * @param positions (1, P) int64
     */
    record PromptFrames(int length, LongBuffer tokens, ByteBuffer mask, LongBuffer positions) {
    }

    /** Backbone over the prompt frames with an empty cache; leaves codebook-0 logits in {@link #logits()}. */
    void backbonePrefill(PromptFrames prompt) throws OrtException {
        int s = prompt.length();
        try (OnnxTensor tokensIn = OnnxTensor.createTensor(env, prompt.tokens(), new long[] {1, s, columns});
                OnnxTensor maskIn = OnnxTensor.createTensor(env, prompt.mask(), new long[] {1, s, columns},
                        OnnxJavaType.BOOL);
                OnnxTensor positionsIn = OnnxTensor.createTensor(env, prompt.positions(), new long[] {1, s})) {
            runBackbone(tokensIn, maskIn, positionsIn, s);
        }
        nextPosition = s;
    }

    /**
     * Backbone over one generated frame ({@code tokens = [c0..c31, 0]}, {@code mask = [true]*32 + [false]}) at the
     * next position, attending to the cache. Leaves codebook-0 logits of the following frame in {@link #logits()}.
     */
    void backboneStep(int[] frame) throws OrtException {
        for (int c = 0; c < numCodebooks; c++) {
            frameTokens.put(c, frame[c]);
        }
        frameTokens.put(numCodebooks, 0L); // masked text column: any valid id, 0
        position.put(0, nextPosition);
        runBackbone(frameTokensIn, frameMaskIn, positionIn, 1);
        nextPosition++;
    }

    private void runBackbone(OnnxTensor tokensIn, OnnxTensor maskIn, OnnxTensor positionsIn, int seq)
            throws OrtException {
        int total = backboneKv.length() + seq;
        try (OnnxTensor attention = OnnxTensor.createTensor(env, ones.slice(0, total), new long[] {1, total});
                OnnxTensor past = backboneKv.past();
                OnnxTensor newKv = backboneKv.next(seq);
                OrtSession.Result ignored = graphs.backbone().run(
                        Map.of("tokens", tokensIn, "tokens_mask", maskIn, "position_ids", positionsIn,
                                "attention_mask", attention, "past_kv", past),
                        Map.of("logits", logitsOut, "last_hidden", lastHidden, "new_kv", newKv))) {
            backboneKv.append(seq);
        }
    }

    /**
     * Depth-decoder call {@code k} (1..31) of the current frame, returning nothing but leaving the logits of
     * codebook {@code k} in {@link #logits()}. Call 1 feeds {@code [placeholder, c0]} over an empty depth cache
     * (position 0 reads {@code last_hidden}); call {@code k >= 2} feeds the code of codebook {@code k-1}. The depth
     * cache is per frame: call 1 starts it afresh.
     *
     * @param previousCode the code of codebook {@code k-1}
     */
    void depthStep(int k, int previousCode) throws OrtException {
        if (k == 1) {
            depthKv.reset();
            depthTokens.put(0, 0L);
            depthTokens.put(1, previousCode);
        } else {
            depthToken.put(0, previousCode);
        }
        try (OrtSession.Result ignored = graphs.depthDecoder().run(depthInputs.get(k), depthOutputs.get(k))) {
            depthKv.append(k == 1 ? 2 : 1);
        }
    }

    /** The logits of the last call (codebook 0 after a backbone call, codebook k after depth call k). */
    float[] logits() {
        logits.get(0, logitsRow);
        return logitsRow;
    }

    /** The backbone's {@code last_hidden} of the current frame as floats, or null for a float16 bundle. */
    float[] lastHidden() {
        if (lastHidden.getInfo().type != OnnxJavaType.FLOAT) {
            return null;
        }
        FloatBuffer h = lastHiddenBytes.duplicate().order(ByteOrder.nativeOrder()).asFloatBuffer();
        float[] out = new float[h.remaining()];
        h.get(0, out);
        return out;
    }

    private OnnxTensor own(OnnxTensor t) {
        owned.add(t);
        return t;
    }

    private static ByteBuffer direct(int bytes) {
        return ByteBuffer.allocateDirect(bytes).order(ByteOrder.nativeOrder());
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        for (OnnxTensor t : owned) {
            t.close();
        }
        owned.clear();
        cacheBuffers.release(backboneKvBuffer); // no tensor views it any more
    }
}
