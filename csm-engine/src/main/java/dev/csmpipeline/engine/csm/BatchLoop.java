package dev.csmpipeline.engine.csm;

import ai.onnxruntime.OnnxJavaType;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
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
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;

/**
 * CSM's frame loop (docs/BUNDLE-FORMAT.md, sections 5-7) for B rows in lock-step, with rows joining and leaving at
 * frame boundaries (continuous batching):
 *
 * <pre>
 * each frame ({@link #step}):
 *     drop rows that finished or were cancelled; regroup the cache without them
 *     backbone(last frame of every running row)              one call, B_run rows, left-padded cache
 *     backbone(prompt grid) of every joining row               one call each, batch 1, its own cache
 *     regroup the cache with the joiners, right-aligned        (only when someone joined)
 *     c[b][0] = choose_b(codebook-0 logits of row b)
 *     for k in 1..31: depth(last_hidden, c[.][k-1])            one call, B rows -&gt; c[b][k] = choose_b(...)
 *     a row whose frame is the stop frame, or that reached its cap, is answered now and leaves
 * </pre>
 *
 * Each row has its own sampler (and random stream), control and frame cap; a row's codes do not depend on which
 * rows share its frames, up to the float rounding of batched kernels. Rows are left-padded in the shared cache
 * ({@link BatchKvCache}); each row feeds its own RoPE position ({@code position_ids}) and the attention mask hides
 * its padding.
 *
 * <p>{@link #join} may be called from any thread; {@link #step} is called by one thread (the batch's owner). Not
 * shared between batches: each loop holds its own buffers, sized from the manifest and {@code maxRows}.
 */
public final class BatchLoop implements AutoCloseable {

    /** One request in the batch: its prompt, cap, sampler and control, its frames so far and its answer. */
    public static final class Row {
        private final PromptGrid prompt;
        private final int maxFrames;
        private final Sampler sampler;
        private final SynthesisControl control;
        private final StepListener listener;
        private final List<int[]> frames = new ArrayList<>();
        private final CompletableFuture<GeneratedCodes> result = new CompletableFuture<>();
        private boolean done;

        private Row(PromptGrid prompt, int maxFrames, Sampler sampler, SynthesisControl control,
                StepListener listener) {
            this.prompt = prompt;
            this.maxFrames = maxFrames;
            this.sampler = sampler;
            this.control = control;
            this.listener = listener;
        }

        /** Completes when the row stops, reaches its cap (codes), is cancelled or fails (exceptionally). */
        public CompletableFuture<GeneratedCodes> result() {
            return result;
        }
    }

    private final CsmGraphs graphs;
    private final BundleManifest manifest;
    private final OrtEnvironment env;
    private final int maxRows;
    private final int columns; // num_codebooks + 1
    private final int numCodebooks;
    private final int vocab;
    private final int hiddenBytes; // one row of last_hidden
    private final int elementBytes;
    private final OnnxJavaType ft;

    /**
     * Time spent so far, in nanoseconds, by part of the frame (for benchmarks): the batched backbone steps, the
     * joiners' prefills, the 31 batched depth calls of each frame, cache regroups, and frames stepped.
     */
    public record Timings(long backboneNanos, long prefillNanos, long depthNanos, long regroupNanos, long frames) {
    }

    private long backboneNanos;
    private long prefillNanos;
    private long depthNanos;
    private long regroupNanos;
    private long framesStepped;

    private final ConcurrentLinkedQueue<Row> waiting = new ConcurrentLinkedQueue<>();
    private List<Row> running = new ArrayList<>(); // in cache order
    private BatchKvCache cache; // null while no row runs
    private ByteBuffer spare; // the buffer of the cache before the last regroup, reused by the next

    private final FloatBuffer logits; // (maxRows, vocab): codebook logits of the last call, row-major
    private final float[] logitsRow; // (vocab,) one row handed to a sampler
    private final ByteBuffer hidden; // (maxRows, backbone_hidden) ft: backbone output, depth decoder input
    private final ByteBuffer depthKv; // (num_codebooks, depth_layers, 2, maxRows, kv_heads, head_dim)
    private final int depthRowPositionBytes; // one depth position of one row

    /**
     * @param maxRows rows that run at once; more joiners wait for a free slot
     */
    public BatchLoop(CsmGraphs graphs, BundleManifest manifest, int maxRows) {
        if (maxRows < 1) {
            throw new IllegalArgumentException("maxRows must be at least 1, was " + maxRows);
        }
        this.graphs = graphs;
        this.manifest = manifest;
        this.env = graphs.env();
        this.maxRows = maxRows;
        this.columns = manifest.audio().frameColumns();
        this.numCodebooks = manifest.audio().numCodebooks();
        this.vocab = manifest.audio().audioVocabSize();
        this.elementBytes = manifest.kvElementBytes();
        this.ft = elementBytes == 2 ? OnnxJavaType.FLOAT16 : OnnxJavaType.FLOAT;
        this.hiddenBytes = manifest.backbone().hiddenSize() * elementBytes;
        this.logits = direct(maxRows * vocab * Float.BYTES).asFloatBuffer();
        this.logitsRow = new float[vocab];
        this.hidden = direct(maxRows * hiddenBytes);
        this.depthRowPositionBytes = manifest.depthDecoder().kvElementsPerPosition() * elementBytes;
        this.depthKv = direct(numCodebooks * depthRowPositionBytes * maxRows);
    }

    /**
     * Queues a request; it joins the batch at the next frame boundary with a free slot.
     *
     * @param maxFrames frame cap; the caller has checked that prompt plus frames fit the context
     */
    public Row join(PromptGrid prompt, int maxFrames, Sampler sampler, SynthesisControl control,
            StepListener listener) {
        Row row = new Row(prompt, maxFrames, sampler, control, listener);
        waiting.add(row);
        return row;
    }

    public Timings timings() {
        return new Timings(backboneNanos, prefillNanos, depthNanos, regroupNanos, framesStepped);
    }

    /** Rows generating now. */
    public int runningRows() {
        return running.size();
    }

    /** True while a row runs or waits. */
    public boolean hasWork() {
        return !running.isEmpty() || !waiting.isEmpty();
    }

    /** Steps until every row joined so far (and every row joining meanwhile) is answered. */
    public void runToEnd() {
        while (hasWork()) {
            step();
        }
    }

    /** One frame for every running row, after admitting waiting rows into free slots. */
    public void step() {
        try {
            dropFinishedAndCancelled();
            List<Row> joiners = admitWaiting();
            if (running.isEmpty() && joiners.isEmpty()) {
                return;
            }
            long t0 = System.nanoTime();
            if (!running.isEmpty()) {
                backboneStep();
            }
            long t1 = System.nanoTime();
            backboneNanos += t1 - t0;
            if (!joiners.isEmpty()) {
                prefillAndMerge(joiners);
            }
            long t2 = System.nanoTime();
            chooseFrames();
            depthNanos += System.nanoTime() - t2;
            answerFinished();
            framesStepped++;
        } catch (OrtException | RuntimeException e) {
            failAll(e);
        }
    }

    /** A row cancelled before its next frame, or answered in the last one, leaves; the cache closes up. */
    private void dropFinishedAndCancelled() {
        List<BatchKvCache.RowSource> kept = new ArrayList<>();
        List<Row> keptRows = new ArrayList<>();
        for (int b = 0; b < running.size(); b++) {
            Row r = running.get(b);
            if (!r.done && r.control.isCancelled()) {
                cancel(r);
            }
            if (!r.done) {
                kept.add(new BatchKvCache.RowSource(cache, b));
                keptRows.add(r);
            }
        }
        if (keptRows.size() != running.size()) {
            regroup(kept, keptRows);
        }
    }

    /** Waiting rows up to the free slots, less those cancelled while they waited. */
    private List<Row> admitWaiting() {
        List<Row> joiners = new ArrayList<>();
        while (running.size() + joiners.size() < maxRows) {
            Row r = waiting.poll();
            if (r == null) {
                break;
            }
            if (r.control.isCancelled()) {
                cancel(r);
            } else {
                joiners.add(r);
            }
        }
        return joiners;
    }

    /**
     * Backbone over the last frame of every running row at its own next position, attending to its real positions:
     * {@code tokens (B, 1, 33)}, {@code position_ids (B, 1)}, {@code attention_mask (B, length + 1)}. Leaves each row's
     * codebook-0 logits and {@code last_hidden} in rows {@code 0..B-1} of the buffers.
     */
    private void backboneStep() throws OrtException {
        int b = running.size();
        LongBuffer tokens = direct(b * columns * Long.BYTES).asLongBuffer(); // (B, 1, 33)
        ByteBuffer mask = direct(b * columns); // (B, 1, 33) bool: codebook columns
        LongBuffer positions = direct(b * Long.BYTES).asLongBuffer(); // (B, 1)
        for (int i = 0; i < b; i++) {
            Row r = running.get(i);
            int[] frame = r.frames.get(r.frames.size() - 1);
            for (int c = 0; c < numCodebooks; c++) {
                tokens.put(i * columns + c, frame[c]);
                mask.put(i * columns + c, (byte) 1);
            }
            positions.put(i, cache.real(i)); // the row's next RoPE position
        }
        long[] attention = cache.attentionMask(1);
        LongBuffer attentionBuf = direct(attention.length * Long.BYTES).asLongBuffer().put(0, attention);
        try (OnnxTensor tokensIn = OnnxTensor.createTensor(env, tokens, new long[] {b, 1, columns});
                OnnxTensor maskIn = OnnxTensor.createTensor(env, mask, new long[] {b, 1, columns},
                        OnnxJavaType.BOOL);
                OnnxTensor positionsIn = OnnxTensor.createTensor(env, positions, new long[] {b, 1});
                OnnxTensor attentionIn = OnnxTensor.createTensor(env, attentionBuf,
                        new long[] {b, cache.length() + 1})) {
            runBackbone(tokensIn, maskIn, positionsIn, attentionIn, cache, 1, 0, b);
        }
    }

    /**
     * Each joiner's prompt alone (batch 1, positions {@code 0..P-1}, its own cache), its outputs in the row after the
     * running ones; then one cache holding running rows and joiners, right-aligned.
     */
    private void prefillAndMerge(List<Row> joiners) throws OrtException {
        List<BatchKvCache.RowSource> sources = new ArrayList<>();
        for (int b = 0; b < running.size(); b++) {
            sources.add(new BatchKvCache.RowSource(cache, b));
        }
        for (Row r : joiners) {
            int row = sources.size(); // after the running rows and the joiners before it
            Generation.PromptFrames prompt = Generation.promptFrames(r.prompt);
            int s = prompt.length();
            BatchKvCache own = BatchKvCache.single(env, manifest.backbone(), elementBytes, s);
            LongBuffer ones = direct(s * Long.BYTES).asLongBuffer();
            for (int i = 0; i < s; i++) {
                ones.put(i, 1L);
            }
            long t0 = System.nanoTime();
            try (OnnxTensor tokensIn = OnnxTensor.createTensor(env, prompt.tokens(), new long[] {1, s, columns});
                    OnnxTensor maskIn = OnnxTensor.createTensor(env, prompt.mask(), new long[] {1, s, columns},
                            OnnxJavaType.BOOL);
                    OnnxTensor positionsIn = OnnxTensor.createTensor(env, prompt.positions(), new long[] {1, s});
                    OnnxTensor attentionIn = OnnxTensor.createTensor(env, ones, new long[] {1, s})) {
                runBackbone(tokensIn, maskIn, positionsIn, attentionIn, own, s, row, 1);
            }
            prefillNanos += System.nanoTime() - t0;
            sources.add(new BatchKvCache.RowSource(own, 0));
        }
        List<Row> all = new ArrayList<>(running);
        all.addAll(joiners);
        regroup(sources, all);
    }

    /** One backbone call whose logits and last_hidden land in rows {@code firstRow..firstRow+rows-1}. */
    private void runBackbone(OnnxTensor tokensIn, OnnxTensor maskIn, OnnxTensor positionsIn, OnnxTensor attentionIn,
            BatchKvCache kv, int seq, int firstRow, int rows) throws OrtException {
        try (OnnxTensor logitsOut = OnnxTensor.createTensor(env, logits.slice(firstRow * vocab, rows * vocab),
                new long[] {rows, vocab});
                OnnxTensor hiddenOut = OnnxTensor.createTensor(env, hiddenRows(firstRow, rows),
                        new long[] {rows, hiddenBytes / elementBytes}, ft);
                OnnxTensor past = kv.past();
                OnnxTensor newKv = kv.next(seq);
                OrtSession.Result ignored = graphs.backbone().run(
                        Map.of("tokens", tokensIn, "tokens_mask", maskIn, "position_ids", positionsIn,
                                "attention_mask", attentionIn, "past_kv", past),
                        Map.of("logits", logitsOut, "last_hidden", hiddenOut, "new_kv", newKv))) {
            kv.append(seq);
        }
    }

    /**
     * Codebook 0 of every row from its backbone logits, then codebooks 1..31 from 31 depth calls over all rows: call
     * 1 feeds {@code [placeholder, c0]} per row over an empty depth cache, call k feeds each row's code k-1.
     */
    private void chooseFrames() throws OrtException {
        int b = running.size();
        int[][] frame = new int[b][numCodebooks];
        for (int i = 0; i < b; i++) {
            Row r = running.get(i);
            float[] l = logitsOf(i);
            if (r.listener != StepListener.NONE) {
                r.listener.backbone(r.frames.size(), l, hiddenFloats(i));
            }
            frame[i][0] = r.sampler.choose(l);
        }
        try (OnnxTensor hiddenIn = OnnxTensor.createTensor(env, hiddenRows(0, b),
                new long[] {b, hiddenBytes / elementBytes}, ft);
                OnnxTensor logitsOut = OnnxTensor.createTensor(env, logits.slice(0, b * vocab),
                        new long[] {b, vocab})) {
            for (int k = 1; k < numCodebooks; k++) {
                depthStep(k, frame, hiddenIn, logitsOut);
                for (int i = 0; i < b; i++) {
                    Row r = running.get(i);
                    float[] l = logitsOf(i);
                    if (r.listener != StepListener.NONE) {
                        r.listener.depth(r.frames.size(), k, l);
                    }
                    frame[i][k] = r.sampler.choose(l);
                }
            }
        }
        for (int i = 0; i < b; i++) {
            Row r = running.get(i);
            r.frames.add(frame[i]);
            r.listener.frame(r.frames.size() - 1, frame[i]);
        }
    }

    /** Depth call k (1..31) for all rows: {@code tokens (B, 2)} on call 1, {@code (B, 1)} after. */
    private void depthStep(int k, int[][] frame, OnnxTensor hiddenIn, OnnxTensor logitsOut) throws OrtException {
        int b = frame.length;
        int past = k == 1 ? 0 : k;
        int seq = k == 1 ? 2 : 1;
        LongBuffer tokens = direct(b * seq * Long.BYTES).asLongBuffer();
        for (int i = 0; i < b; i++) {
            if (k == 1) {
                tokens.put(i * 2, 0L); // placeholder: position 0 reads last_hidden
                tokens.put(i * 2 + 1, frame[i][0]);
            } else {
                tokens.put(i, frame[i][k - 1]);
            }
        }
        try (OnnxTensor tokensIn = OnnxTensor.createTensor(env, tokens, new long[] {b, seq});
                OnnxTensor pastKv = depthView(0, past, b);
                OnnxTensor newKv = depthView(past, seq, b);
                OrtSession.Result ignored = graphs.depthDecoder().run(
                        Map.of("last_hidden", hiddenIn, "tokens", tokensIn, "past_kv", pastKv),
                        Map.of("logits", logitsOut, "new_kv", newKv))) {
            // the depth cache holds positions 0..past+seq-1 now
        }
    }

    /** Every row whose frame is the stop frame, or that reached its cap, is answered now. */
    private void answerFinished() {
        for (Row r : running) {
            int n = r.frames.size();
            r.control.onFrame(n);
            boolean stop = isStopFrame(r.frames.get(n - 1));
            if (stop || n >= r.maxFrames) {
                r.done = true;
                r.result.complete(new GeneratedCodes(r.frames, stop, r.prompt.positions()));
            }
        }
    }

    /** Same rule as {@link FrameLoop#isStopFrame}: codebooks 0..30 all equal {@code codebook_eos_token_id}. */
    private boolean isStopFrame(int[] frame) {
        int eos = manifest.audio().codebookEosTokenId();
        for (int k = 0; k < numCodebooks - 1; k++) {
            if (frame[k] != eos) {
                return false;
            }
        }
        return true;
    }

    /**
     * A cache holding {@code sources} in order, with room for every row's remaining frames: its last frame is never
     * fed back, so a row of prompt P and cap N needs P + N - 1 real positions in all.
     */
    private void regroup(List<BatchKvCache.RowSource> sources, List<Row> rows) {
        running = rows;
        ByteBuffer old = cache == null ? null : cache.buffer();
        if (sources.isEmpty()) {
            spare = old != null ? old : spare;
            cache = null;
            return;
        }
        int length = 0;
        for (BatchKvCache.RowSource s : sources) {
            length = Math.max(length, s.source().real(s.slot()));
        }
        int capacity = 0;
        for (int i = 0; i < sources.size(); i++) {
            BatchKvCache.RowSource s = sources.get(i);
            Row r = rows.get(i);
            int left = r.prompt.positions() + r.maxFrames - 1 - s.source().real(s.slot());
            capacity = Math.max(capacity, length + left);
        }
        long t0 = System.nanoTime();
        BatchKvCache next = BatchKvCache.regroup(env, manifest.backbone(), elementBytes, sources, capacity, spare);
        regroupNanos += System.nanoTime() - t0;
        spare = old != null ? old : (next.buffer() == spare ? null : spare);
        cache = next;
    }

    private void cancel(Row r) {
        r.done = true;
        r.result.completeExceptionally(new SynthesisCancelledException(r.frames.size()));
    }

    private void failAll(Exception e) {
        IllegalStateException failure = new IllegalStateException("ONNX Runtime failed during batched generation: "
                + e.getMessage(), e);
        for (Row r : running) {
            r.done = true;
            r.result.completeExceptionally(failure);
        }
        running = new ArrayList<>();
        cache = null;
    }

    private float[] logitsOf(int row) {
        logits.get(row * vocab, logitsRow);
        return logitsRow;
    }

    private float[] hiddenFloats(int row) {
        if (ft != OnnxJavaType.FLOAT) {
            return null;
        }
        FloatBuffer h = hiddenRows(row, 1).asFloatBuffer();
        float[] out = new float[h.remaining()];
        h.get(0, out);
        return out;
    }

    private ByteBuffer hiddenRows(int firstRow, int rows) {
        return hidden.slice(firstRow * hiddenBytes, rows * hiddenBytes).order(ByteOrder.nativeOrder());
    }

    /** Depth positions {@code from..from+n-1} of a B-row depth cache: {@code (n, Ld, 2, B, Hkv_d, D_d)}. */
    private OnnxTensor depthView(int from, int n, int b) throws OrtException {
        BundleManifest.Transformer d = manifest.depthDecoder();
        int positionBytes = depthRowPositionBytes * b;
        ByteBuffer slice = depthKv.slice(from * positionBytes, n * positionBytes).order(ByteOrder.nativeOrder());
        return OnnxTensor.createTensor(env, slice, new long[] {n, d.numLayers(), 2, b, d.numKvHeads(), d.headDim()},
                ft);
    }

    private static ByteBuffer direct(int bytes) {
        return ByteBuffer.allocateDirect(Math.max(1, bytes)).order(ByteOrder.nativeOrder());
    }

    /** Fails every row still waiting or running; the buffers go to the garbage collector. */
    @Override
    public void close() {
        IllegalStateException closed = new IllegalStateException("the batch was closed before this row finished");
        for (Row r; (r = waiting.poll()) != null; ) {
            r.result.completeExceptionally(closed);
        }
        for (Row r : running) {
            if (!r.done) {
                r.result.completeExceptionally(closed);
            }
        }
        running = new ArrayList<>();
        cache = null;
    }
}
