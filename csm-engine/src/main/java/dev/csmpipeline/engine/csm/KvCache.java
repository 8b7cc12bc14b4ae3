package dev.csmpipeline.engine.csm;

import ai.onnxruntime.OnnxJavaType;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * One sequence's key/value cache (docs/BUNDLE-FORMAT.md, section 4.1) in a single direct buffer laid out as the
 * graphs' {@code past_kv}, sequence axis outermost: {@code (capacity, layers, 2, 1, kv_heads, head_dim)}. Because
 * the sequence axis is outermost, "append {@code new_kv}" is "let the graph write the next positions in place":
 * {@link #past} views the filled prefix as the next call's input, {@link #next} views the free positions right after
 * it as that call's pinned {@code new_kv} output. Nothing is copied. Not thread-safe: one per generation.
 */
final class KvCache {

    private final OrtEnvironment env;
    private final ByteBuffer buffer; // (capacity, layers, 2, 1, kv_heads, head_dim) float32 or float16
    private final OnnxJavaType type;
    private final int positionBytes; // bytes of one position: layers * 2 * kv_heads * head_dim * element size
    private final long[] positionShape; // (layers, 2, 1, kv_heads, head_dim): the axes after the sequence axis
    private final int capacity; // positions the buffer holds
    private int length; // positions filled

    KvCache(OrtEnvironment env, BundleManifest.Transformer dims, int elementBytes, int capacity) {
        this(env, dims, elementBytes, ByteBuffer.allocateDirect(capacity * dims.kvElementsPerPosition() * elementBytes),
                capacity);
    }

    /** A cache over a caller-provided direct buffer (reused between generations; its contents are ignored). */
    KvCache(OrtEnvironment env, BundleManifest.Transformer dims, int elementBytes, ByteBuffer buffer, int capacity) {
        this.env = env;
        this.buffer = buffer.order(ByteOrder.nativeOrder());
        this.type = elementBytes == 2 ? OnnxJavaType.FLOAT16 : OnnxJavaType.FLOAT;
        this.positionBytes = dims.kvElementsPerPosition() * elementBytes;
        this.positionShape = new long[] {dims.numLayers(), 2, 1, dims.numKvHeads(), dims.headDim()};
        this.capacity = capacity;
        if ((long) capacity * positionBytes > buffer.capacity()) {
            throw new IllegalArgumentException("cache buffer of " + buffer.capacity() + " bytes cannot hold "
                    + capacity + " positions of " + positionBytes + " bytes");
        }
    }

    /** Positions filled so far (the next call's {@code past_seq}). */
    int length() {
        return length;
    }

    int capacity() {
        return capacity;
    }

    /** The filled prefix as a {@code past_kv} input: {@code (length, layers, 2, 1, kv_heads, head_dim)}. */
    OnnxTensor past() throws OrtException {
        return view(0, length);
    }

    /** The past of a call that finds {@code positions} filled (for tensors prepared before the call). */
    OnnxTensor pastOf(int positions) throws OrtException {
        return view(0, positions);
    }

    /** The {@code seq} free positions after the filled prefix, as a pinned {@code new_kv} output. */
    OnnxTensor next(int seq) throws OrtException {
        return view(length, seq);
    }

    /** The {@code seq} positions starting at {@code from}, as a pinned {@code new_kv} output. */
    OnnxTensor slot(int from, int seq) throws OrtException {
        return view(from, seq);
    }

    /** Marks {@code seq} positions written by the last call as filled. */
    void append(int seq) {
        if (length + seq > capacity) {
            throw new IllegalStateException("cache overflow: " + length + " + " + seq + " > " + capacity);
        }
        length += seq;
    }

    /** Empties the cache (the depth decoder's, at every frame); the bytes are simply overwritten later. */
    void reset() {
        length = 0;
    }

    private OnnxTensor view(int from, int positions) throws OrtException {
        if (from + positions > capacity) {
            throw new IllegalStateException("cache overflow: positions " + from + ".." + (from + positions - 1)
                    + " of a cache of " + capacity);
        }
        long[] shape = new long[6]; // (positions, layers, 2, 1, kv_heads, head_dim)
        shape[0] = positions;
        System.arraycopy(positionShape, 0, shape, 1, 5);
        ByteBuffer slice = buffer.slice(from * positionBytes, positions * positionBytes).order(ByteOrder.nativeOrder());
        return OnnxTensor.createTensor(env, slice, shape, type);
    }
}
