package dev.reactorfifo.internal;

import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The buffers of one size that drains borrow for as long as they read or write, so that an idle
 * subscription holds none: direct buffers for {@code read(2)}/{@code write(2)} (jnr copies a heap
 * array whole on every call) and heap arrays for the framer, which scans and decodes bytes in the
 * heap. A subscription looks its pool up once ({@link #ofSize}); borrowing and giving back is
 * then a short uncontended lock.
 *
 * <p>At most as many buffers of a size are kept as the default scheduler runs threads at once
 * ({@code boundedElastic()}: 10 per CPU), and at most {@value #MAX_POOLED_BYTES} bytes of them; a
 * buffer given back beyond that is left to the garbage collector. So the pools' footprint depends
 * on how many threads drain at the same moment, never on the number of FIFOs.
 */
final class BufferPool {

    static final int MAX_POOLED_BYTES = 4 << 20;
    private static final int MAX_POOLED = 10 * Runtime.getRuntime().availableProcessors();
    private static final ConcurrentHashMap<Integer, BufferPool> POOLS = new ConcurrentHashMap<>();

    private final int size;
    private final int limit;
    private final ArrayDeque<ByteBuffer> direct = new ArrayDeque<>();
    private final ArrayDeque<byte[]> arrays = new ArrayDeque<>();

    private BufferPool(int size) {
        this.size = size;
        this.limit = Math.max(1, Math.min(MAX_POOLED, MAX_POOLED_BYTES / size));
    }

    /** @return the pool of buffers of {@code size} bytes */
    static BufferPool ofSize(int size) {
        return POOLS.computeIfAbsent(size, BufferPool::new);
    }

    /** @return a direct buffer of this pool's size, position 0, limit at capacity */
    ByteBuffer borrowDirect() {
        ByteBuffer b;
        synchronized (direct) {
            b = direct.pollLast();
        }
        return b != null ? b.clear() : ByteBuffer.allocateDirect(size);
    }

    /** Gives back a buffer from {@link #borrowDirect}; the caller must not use it any more. */
    void giveBack(ByteBuffer buffer) {
        synchronized (direct) {
            if (direct.size() < limit) {
                direct.addLast(buffer);
            }
        }
    }

    /** @return a heap array of this pool's size, with anything in it */
    byte[] borrowArray() {
        byte[] a;
        synchronized (arrays) {
            a = arrays.pollLast();
        }
        return a != null ? a : new byte[size];
    }

    /** Gives back an array from {@link #borrowArray}; the caller must not use it any more. */
    void giveBack(byte[] array) {
        synchronized (arrays) {
            if (arrays.size() < limit) {
                arrays.addLast(array);
            }
        }
    }
}
