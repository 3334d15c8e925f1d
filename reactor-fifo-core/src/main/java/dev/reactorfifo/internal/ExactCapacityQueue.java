package dev.reactorfifo.internal;

import java.util.AbstractQueue;
import java.util.Iterator;
import java.util.Queue;
import java.util.concurrent.atomic.AtomicInteger;
import org.jspecify.annotations.Nullable;
import reactor.util.concurrent.Queues;

/**
 * A lock-free single-producer single-consumer queue that holds at most exactly {@code capacity}
 * elements. Reactor's SPSC array queue rounds its capacity up to a power of two, and an
 * {@code ArrayBlockingQueue} would make {@code FifoSink.tryEmitNext} park on a lock shared with
 * the writing thread. The producer is the sink's serialised emitter; the consumer the drain.
 */
final class ExactCapacityQueue<T> extends AbstractQueue<T> {

    private final Queue<T> delegate;
    private final int capacity;
    private final AtomicInteger size = new AtomicInteger();

    ExactCapacityQueue(int capacity) {
        this.capacity = capacity;
        this.delegate = Queues.<T>get(capacity).get();
    }

    @Override
    public boolean offer(T element) {
        // only the producer increments, so a size read here can only be too high (a concurrent
        // poll): at worst an overflow is reported a moment early, never a bound exceeded
        if (size.get() >= capacity || !delegate.offer(element)) {
            return false;
        }
        size.incrementAndGet();
        return true;
    }

    @Override
    public @Nullable T poll() {
        T element = delegate.poll();
        if (element != null) {
            size.decrementAndGet();
        }
        return element;
    }

    @Override
    public @Nullable T peek() {
        return delegate.peek();
    }

    @Override
    public int size() {
        return size.get();
    }

    @Override
    public boolean isEmpty() {
        return delegate.isEmpty();
    }

    @Override
    public Iterator<T> iterator() {
        throw new UnsupportedOperationException("not iterable: a concurrent queue between two threads");
    }
}
