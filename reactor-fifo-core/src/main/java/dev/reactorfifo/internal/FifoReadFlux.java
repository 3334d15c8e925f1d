package dev.reactorfifo.internal;

import dev.reactorfifo.ReadOptions;
import java.nio.ByteBuffer;
import java.util.concurrent.atomic.AtomicLongFieldUpdater;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;
import org.reactivestreams.Subscription;
import reactor.core.CoreSubscriber;
import reactor.core.Scannable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Operators;
import reactor.util.context.Context;

/**
 * A FIFO as a cold Flux of what its {@link Framing} makes of the bytes: lines
 * ({@link #lines}) or the chunks read ({@link #bytes}). Each subscriber gets its own read
 * descriptor, opened on the options' scheduler when it subscribes.
 *
 * <p>Threads: a drain task on the scheduler opens the FIFO, arms the poller and ends when nothing
 * can be read yet, and, once the poller reports the FIFO ready, reads a chunk and emits every
 * element of it that is demanded, one {@code onNext} after the other on that thread (no hop per
 * element). With no demand the task ends and no thread is held; {@code request} schedules it again.
 * {@code cancel} closes the descriptor itself when no task is running, or has the running one do it.
 *
 * <p>Memory: the read buffers are borrowed from the {@link BufferPool} for one drain and given
 * back when it ends with every byte framed, so an idle subscription holds none; only the
 * unterminated rest of a line is kept, in a carry of about its size.
 */
public final class FifoReadFlux<T> extends Flux<T> {

    private final String path;
    private final ReadOptions options;
    private final boolean noFollow;
    private final String operation;
    private final Function<ReadOptions, Framing<T>> framing;

    private FifoReadFlux(String path, ReadOptions options, boolean noFollow, String operation,
            Function<ReadOptions, Framing<T>> framing) {
        this.path = path;
        this.options = options;
        this.noFollow = noFollow;
        this.operation = operation;
        this.framing = framing;
    }

    /** @param noFollow refuse a symbolic link at {@code path} (a FIFO that createIfAbsent checked) */
    public static Flux<String> lines(String path, ReadOptions options, boolean noFollow) {
        return new FifoReadFlux<>(path, options, noFollow, "NamedPipe.lines()", o -> new LineFraming(o, path));
    }

    /** @param noFollow refuse a symbolic link at {@code path} (a FIFO that createIfAbsent checked) */
    public static Flux<ByteBuffer> bytes(String path, ReadOptions options, boolean noFollow) {
        return new FifoReadFlux<>(path, options, noFollow, "NamedPipe.bytes()", o -> new ChunkFraming());
    }

    @Override
    public void subscribe(CoreSubscriber<? super T> actual) {
        try {
            FifoDrain.requireAsync(options.scheduler(), operation + " of " + path);
        } catch (IllegalStateException e) {
            Operators.error(actual, e);
            return;
        }
        ReadSubscription<T> subscription = new ReadSubscription<>(actual, path, options, noFollow, framing.apply(options));
        actual.onSubscribe(subscription);
        // open at once rather than on the first request: a bad path is reported even to a
        // subscriber that requests nothing yet (writeLines requests only once its own FIFO is open)
        subscription.schedule();
    }

    static final class ReadSubscription<T> extends FifoDrain implements Subscription, Scannable {

        private final CoreSubscriber<? super T> actual;
        private final String path;
        private final ReadOptions options;
        private final Framing<T> framer;
        private final BufferPool buffers;
        private final boolean noFollow;

        // owned by the WIP holder
        private @Nullable FifoReadEnd readEnd;
        /** What read(2) fills: borrowed for one drain, given back when it ends. */
        private @Nullable ByteBuffer readBuffer;
        private boolean endOfInput;
        /** Follow mode saw an EOF: reopen once the dead writer's fragment is emitted. */
        private boolean reopenPending;

        private volatile long requested;
        @SuppressWarnings("rawtypes")
        private static final AtomicLongFieldUpdater<ReadSubscription> REQUESTED =
                AtomicLongFieldUpdater.newUpdater(ReadSubscription.class, "requested");

        ReadSubscription(CoreSubscriber<? super T> actual, String path, ReadOptions options, boolean noFollow,
                Framing<T> framer) {
            super(options.scheduler());
            this.actual = actual;
            this.path = path;
            this.options = options;
            this.framer = framer;
            this.buffers = BufferPool.ofSize(options.readBufferSize());
            this.noFollow = noFollow;
        }

        @Override
        public void request(long n) {
            if (Operators.validate(n)) {
                Operators.addCap(REQUESTED, this, n);
                schedule();
            }
        }

        @Override
        public void cancel() {
            cancelDrain();
        }

        /** Emits while there is demand; returns when demand is exhausted, the FIFO is not ready, or the stream is over. */
        @Override
        void drain() throws Exception {
            try {
                emit();
            } finally {
                giveBackBuffers();
            }
        }

        private void emit() throws Exception {
            if (isCancelled()) {
                stop();
                return;
            }
            FifoReadEnd end = readEnd;
            if (end == null) {
                Waiter w = openWaiter();
                if (w == null) {
                    return;
                }
                end = FifoReadEnd.open(path, noFollow, options.follow(), w);
                readEnd = end;
            }
            long demand = requested;
            long emitted = 0;
            try {
                for (;;) {
                    while (emitted != demand) {
                        if (isCancelled()) {
                            stop();
                            return;
                        }
                        T element = framer.next();
                        if (element != null) {
                            actual.onNext(element);
                            emitted++;
                            continue;
                        }
                        if (endOfInput) {
                            complete(actual::onComplete);
                            return;
                        }
                        if (reopenPending) {
                            reopenPending = false;
                            end.reopen(); // may fail (path gone), but only after the fragment went out
                        }
                        ByteBuffer buffer = readBuffer();
                        int n = end.read(buffer, buffer.capacity());
                        if (n > 0) {
                            framer.feed(buffer, n);
                        } else if (n == 0) {
                            atEndOfInput();
                        } else if (n == FifoReadEnd.PENDING) {
                            return; // the poller resumes us when the FIFO is ready
                        } else {
                            stop();
                            return;
                        }
                    }
                    if (endOfInput && framer.isDrained()) {
                        complete(actual::onComplete); // no fragment left: completing needs no demand
                        return;
                    }
                    demand = produced(emitted);
                    emitted = 0;
                    if (demand == 0) {
                        lookForEndWithoutDemand(end);
                        return;
                    }
                }
            } finally {
                if (emitted != 0 && !isDone()) {
                    produced(emitted);
                }
            }
        }

        /**
         * Demand ran out: one look without waiting, so that if the writer is already gone the
         * Flux completes now rather than at the next request (a chunk read meanwhile is kept).
         */
        private void lookForEndWithoutDemand(FifoReadEnd end) throws Exception {
            if (options.follow() || !framer.isDrained()) {
                return;
            }
            ByteBuffer buffer = readBuffer();
            int n = end.readIfReady(buffer);
            if (n > 0) {
                framer.feed(buffer, n);
            } else if (n == 0) {
                atEndOfInput();
                if (framer.isDrained()) {
                    complete(actual::onComplete);
                }
            }
        }

        private ByteBuffer readBuffer() {
            ByteBuffer b = readBuffer;
            if (b == null) {
                b = buffers.borrowDirect();
                readBuffer = b;
            }
            return b;
        }

        /** Gives the read buffer back, and the framer's unless it still holds undemanded elements. */
        private void giveBackBuffers() {
            ByteBuffer b = readBuffer;
            if (b != null) {
                readBuffer = null;
                buffers.giveBack(b);
            }
            framer.giveBack(isDone());
        }

        private void atEndOfInput() {
            framer.endOfInput();
            if (options.follow()) {
                reopenPending = true;
            } else {
                endOfInput = true;
            }
        }

        /** @return the demand left after {@code emitted} lines */
        private long produced(long emitted) {
            return emitted == 0 ? requested : Operators.produced(REQUESTED, this, emitted);
        }

        @Override
        void releaseResources() {
            FifoReadEnd end = readEnd;
            if (end != null) {
                readEnd = null;
                end.close();
            }
            framer.discard(); // elements nobody will take; the drain gave the direct buffer back
        }

        @Override
        void signalError(Throwable error) {
            actual.onError(error);
        }

        @Override
        String target() {
            return path;
        }

        @Override
        Context context() {
            return actual.currentContext();
        }

        @Override
        public @Nullable Object scanUnsafe(Attr key) {
            if (key == Attr.ACTUAL) {
                return actual;
            }
            if (key == Attr.REQUESTED_FROM_DOWNSTREAM) {
                return requested;
            }

            return scanDrain(key);
        }
    }
}
