package dev.csmpipeline.engine.csm;

import ai.onnxruntime.OnnxJavaType;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;

/**
 * The backbone key/value cache of a batch (docs/BUNDLE-FORMAT.md, 4.1) in one direct buffer laid out as the graph's
 * {@code past_kv}: {@code (capacity, layers, 2, B, kv_heads, head_dim)}. Rows are left-padded: row b's real positions
 * are the last {@code real[b]} of the {@link #length} filled ones, and the attention mask hides the rest.
 *
 * <p>Because the batch axis sits inside every position block, adding or removing a row changes the layout of the
 * whole cache: {@link #regroup} copies each kept row, right-aligned, into a layout for the new rows (done only when
 * membership changes, at a frame boundary). Between regroups a backbone step writes its {@code new_kv} in place at
 * position {@link #length}, as {@link KvCache} does.
 */
final class BatchKvCache {

    /** Where one row of a regrouped cache comes from: row {@code slot} of {@code source}, its real positions. */
    record RowSource(BatchKvCache source, int slot) {
    }

    private final OrtEnvironment env;
    private final OnnxJavaType type;
    private final int elementBytes;
    private final int layers;
    private final int kvHeads;
    private final int headDim;
    private final int rowChunkBytes; // kv_heads * head_dim * element: one (layer, k|v, row) chunk
    private final ByteBuffer buffer;
    private final int rows; // B
    private final int capacity; // positions the buffer holds
    private final int[] real; // real[b]: row b's real positions (the rest of the filled prefix is its padding)
    private int length; // positions filled (common to all rows)

    private BatchKvCache(OrtEnvironment env, BundleManifest.Transformer dims, int elementBytes, int rows, int capacity,
            ByteBuffer buffer, int length, int[] real) {
        this.env = env;
        this.elementBytes = elementBytes;
        this.type = elementBytes == 2 ? OnnxJavaType.FLOAT16 : OnnxJavaType.FLOAT;
        this.layers = dims.numLayers();
        this.kvHeads = dims.numKvHeads();
        this.headDim = dims.headDim();
        this.rowChunkBytes = dims.numKvHeads() * dims.headDim() * elementBytes;
        this.rows = rows;
        this.capacity = capacity;
        this.buffer = buffer.order(ByteOrder.nativeOrder());
        this.length = length;
        this.real = real;
        if ((long) capacity * positionBytes() > buffer.capacity()) {
            throw new IllegalArgumentException("cache buffer of " + buffer.capacity() + " bytes cannot hold "
                    + capacity + " positions of " + positionBytes() + " bytes");
        }
    }

    /** An empty cache of one row (a prefill fills it). */
    static BatchKvCache single(OrtEnvironment env, BundleManifest.Transformer dims, int elementBytes, int capacity) {
        int bytes = capacity * dims.kvElementsPerPosition() * elementBytes;
        return new BatchKvCache(env, dims, elementBytes, 1, capacity,
                ByteBuffer.allocateDirect(Math.max(1, bytes)), 0, new int[] {0});
    }

    /**
     * A cache holding {@code sources} in this order, each right-aligned over {@code max(real)} positions, with room
     * for {@code capacity} positions. {@code spare} is reused when it is large enough.
     */
    static BatchKvCache regroup(OrtEnvironment env, BundleManifest.Transformer dims, int elementBytes,
            List<RowSource> sources, int capacity, ByteBuffer spare) {
        int b = sources.size();
        int length = 0;
        int[] real = new int[b];
        for (int i = 0; i < b; i++) {
            RowSource s = sources.get(i);
            real[i] = s.source().real[s.slot()];
            length = Math.max(length, real[i]);
        }
        long bytes = (long) capacity * dims.kvElementsPerPosition() * elementBytes * b;
        if (bytes > Integer.MAX_VALUE) {
            throw new IllegalStateException("a batch cache of " + bytes + " bytes exceeds one direct buffer: lower the "
                    + "batch size or the frame cap");
        }
        ByteBuffer buffer = spare != null && spare.capacity() >= bytes ? spare
                : ByteBuffer.allocateDirect((int) Math.max(1, bytes));
        BatchKvCache to = new BatchKvCache(env, dims, elementBytes, b, capacity, buffer, length, real);
        for (int i = 0; i < b; i++) {
            RowSource s = sources.get(i);
            to.copyRow(i, s.source(), s.slot());
        }
        return to;
    }

    /** Copies row {@code slot} of {@code from} into row {@code row} here, right-aligned (padding is left as is). */
    private void copyRow(int row, BatchKvCache from, int slot) {
        int n = from.real[slot];
        for (int i = 0; i < n; i++) {
            int src = from.length - n + i;
            int dst = length - n + i;
            for (int lk = 0; lk < layers * 2; lk++) { // (layer, k|v)
                buffer.put(offset(dst, lk, row), from.buffer, from.offset(src, lk, slot), rowChunkBytes);
            }
        }
    }

    private int offset(int position, int layerKv, int row) {
        return position * positionBytes() + (layerKv * rows + row) * rowChunkBytes;
    }

    private int positionBytes() {
        return layers * 2 * rows * rowChunkBytes;
    }

    int rows() {
        return rows;
    }

    int length() {
        return length;
    }

    int capacity() {
        return capacity;
    }

    /** Real positions of row {@code b}. */
    int real(int b) {
        return real[b];
    }

    ByteBuffer buffer() {
        return buffer;
    }

    /** The filled prefix as {@code past_kv}: {@code (length, layers, 2, B, kv_heads, head_dim)}. */
    OnnxTensor past() throws OrtException {
        return view(0, length);
    }

    /** The {@code seq} free positions after the filled prefix, as a pinned {@code new_kv} output. */
    OnnxTensor next(int seq) throws OrtException {
        return view(length, seq);
    }

    /** Marks {@code seq} positions written by the last call as filled, real for every row. */
    void append(int seq) {
        if (length + seq > capacity) {
            throw new IllegalStateException("cache overflow: " + length + " + " + seq + " > " + capacity);
        }
        length += seq;
        for (int b = 0; b < rows; b++) {
            real[b] += seq;
        }
    }

    /**
     * The attention mask of a call of {@code seq} new positions, {@code (B, length + seq)}: 0 on each row's left
     * padding, 1 elsewhere.
     */
    long[] attentionMask(int seq) {
        int total = length + seq;
        long[] mask = new long[rows * total];
        for (int b = 0; b < rows; b++) {
            for (int j = length - real[b]; j < total; j++) {
                mask[b * total + j] = 1L;
            }
        }
        return mask;
    }

    private OnnxTensor view(int from, int positions) throws OrtException {
        if (from + positions > capacity) {
            throw new IllegalStateException("cache overflow: positions " + from + ".." + (from + positions - 1)
                    + " of a cache of " + capacity);
        }
        long[] shape = {positions, layers, 2, rows, kvHeads, headDim};
        ByteBuffer slice = buffer.slice(from * positionBytes(), positions * positionBytes())
                .order(ByteOrder.nativeOrder());
        return OnnxTensor.createTensor(env, slice, shape, type);
    }

}
