package dev.reactorfifo.internal;

import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The buffers drains borrow for as long as they read or write, so that an idle subscription holds
 * none: a direct buffer for {@code read(2)}/{@code write(2)} (jnr copies a heap array whole on
 * every call) and a heap array for the framer, which scans and decodes bytes in the heap.
 *
 * <p>Per size, at most as many buffers are kept as the default scheduler runs threads at once
 * ({@code boundedElastic()}: 10 per CPU), and at most {@value #MAX_POOLED_BYTES_PER_SIZE} bytes;
 * a buffer given back beyond that is left to the garbage collector. So the pool's footprint
 * depends on the number of threads that drain at the same moment, never on the number of FIFOs.
 * Thread-safe; a short lock per borrow and give-back (uncontended at one drain per FIFO wake-up).
 */
final class BufferPool {

    static final int MAX_POOLED_BYTES_PER_SIZE = 4 << 20;
    private static final int MAX_POOLED_PER_SIZE = 10 * Runtime.getRuntime().availableProcessors();

    private static final ConcurrentHashMap<Integer, ArrayDeque<ByteBuffer>> DIRECT = new ConcurrentHashMap<>();
    private static final ConcurrentHashMap<Integer, ArrayDeque<byte[]>> ARRAYS = new ConcurrentHashMap<>();

    private BufferPool() {
    }

    /** @return a direct buffer of {@code capacity} bytes, position 0, limit at capacity */
    static ByteBuffer borrowDirect(int capacity) {
        ArrayDeque<ByteBuffer> pool = DIRECT.computeIfAbsent(capacity, c -> new ArrayDeque<>());
        ByteBuffer b;
        synchronized (pool) {
            b = pool.pollLast();
        }
        return b != null ? b.clear() : ByteBuffer.allocateDirect(capacity);
    }

    /** Gives back a buffer from {@link #borrowDirect}; the caller must not use it any more. */
    static void giveBack(ByteBuffer buffer) {
        int capacity = buffer.capacity();
        ArrayDeque<ByteBuffer> pool = DIRECT.get(capacity);
        if (pool != null) {
            synchronized (pool) {
                if (pool.size() < limit(capacity)) {
                    pool.addLast(buffer);
                }
            }
        }
    }

    /** @return a heap array of {@code length} bytes, with anything in it */
    static byte[] borrowArray(int length) {
        ArrayDeque<byte[]> pool = ARRAYS.computeIfAbsent(length, c -> new ArrayDeque<>());
        byte[] a;
        synchronized (pool) {
            a = pool.pollLast();
        }
        return a != null ? a : new byte[length];
    }

    /** Gives back an array from {@link #borrowArray}; the caller must not use it any more. */
    static void giveBack(byte[] array) {
        ArrayDeque<byte[]> pool = ARRAYS.get(array.length);
        if (pool != null) {
            synchronized (pool) {
                if (pool.size() < limit(array.length)) {
                    pool.addLast(array);
                }
            }
        }
    }

    private static int limit(int size) {
        return Math.max(1, Math.min(MAX_POOLED_PER_SIZE, MAX_POOLED_BYTES_PER_SIZE / size));
    }
}
