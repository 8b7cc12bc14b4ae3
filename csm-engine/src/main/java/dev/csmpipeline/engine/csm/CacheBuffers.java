package dev.csmpipeline.engine.csm;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Direct buffers for backbone key/value caches, reused across generations. A csm-1b cache is 64 KiB per position
 * (up to 128 MiB per utterance); reusing them keeps off-heap memory from depending on when the garbage collector
 * runs. Thread-safe; holds at most {@code keep} idle buffers.
 */
final class CacheBuffers {

    private final ConcurrentLinkedQueue<ByteBuffer> idle = new ConcurrentLinkedQueue<>();
    private final AtomicInteger idleCount = new AtomicInteger();
    private final int keep;

    CacheBuffers(int keep) {
        this.keep = keep;
    }

    /** A native-order direct buffer of at least {@code bytes} bytes; its contents are undefined. */
    ByteBuffer acquire(int bytes) {
        ByteBuffer b = idle.poll();
        if (b != null) {
            idleCount.decrementAndGet();
            if (b.capacity() >= bytes) {
                return b.clear().order(ByteOrder.nativeOrder());
            }
        }
        return ByteBuffer.allocateDirect(bytes).order(ByteOrder.nativeOrder());
    }

    /** Gives a buffer back for a later generation (dropped when enough are idle). */
    void release(ByteBuffer b) {
        if (idleCount.incrementAndGet() <= keep) {
            idle.offer(b);
        } else {
            idleCount.decrementAndGet();
        }
    }
}
