package dev.reactorfifo.internal;

import dev.reactorfifo.ReadOptions;
import java.nio.ByteBuffer;
import java.util.concurrent.atomic.AtomicLongFieldUpdater;
import org.jspecify.annotations.Nullable;
import org.reactivestreams.Subscription;
import reactor.core.CoreSubscriber;
import reactor.core.Scannable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Operators;
import reactor.util.context.Context;

/**
 * A FIFO as a cold {@code Flux<String>} of lines. Each subscriber gets its own read descriptor,
 * opened on the options' scheduler when it subscribes.
 *
 * <p>Threads: a drain task on the scheduler opens the FIFO, waits for it (in {@code poll(2)} on
 * that thread, or by registering with the shared poller and ending the task until the FIFO is
 * ready), reads a chunk and emits every line of it that is demanded, one {@code onNext} after the
 * other on that thread (no hop per line). With no demand the task ends and no thread is held;
 * {@code request} schedules it again. {@code cancel} wakes the waiter, or closes the descriptor
 * itself when no task is running.
 */
public final class FifoLinesFlux extends Flux<String> {

    private final String path;
    private final ReadOptions options;

    public FifoLinesFlux(String path, ReadOptions options) {
        this.path = path;
        this.options = options;
    }

    @Override
    public void subscribe(CoreSubscriber<? super String> actual) {
        ReadSubscription subscription = new ReadSubscription(actual, path, options);
        actual.onSubscribe(subscription);
        // open at once rather than on the first request: a bad path is reported even to a
        // subscriber that requests nothing yet (writeLines requests only once its own FIFO is open)
        subscription.schedule();
    }

    static final class ReadSubscription extends FifoDrain implements Subscription, Scannable {

        private final CoreSubscriber<? super String> actual;
        private final String path;
        private final ReadOptions options;
        private final LineFramer framer;

        // owned by the WIP holder
        private @Nullable FifoReadEnd readEnd;
        private @Nullable ByteBuffer readBuffer;
        private boolean endOfInput;
        /** Follow mode saw an EOF: reopen once the dead writer's fragment is emitted. */
        private boolean reopenPending;

        private volatile long requested;
        private static final AtomicLongFieldUpdater<ReadSubscription> REQUESTED =
                AtomicLongFieldUpdater.newUpdater(ReadSubscription.class, "requested");

        ReadSubscription(CoreSubscriber<? super String> actual, String path, ReadOptions options) {
            super(options.scheduler());
            this.actual = actual;
            this.path = path;
            this.options = options;
            this.framer = new LineFramer(options.charset(), options.malformedInput(), options.maxLineLength(), path);
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
            if (isCancelled()) {
                stop();
                return;
            }
            FifoReadEnd end = readEnd;
            if (end == null) {
                ReadinessWaiter w = openWaiter(options.transport(), "NamedPipe.lines() of " + path);
                if (w == null) {
                    return;
                }
                end = FifoReadEnd.open(path, w);
                readEnd = end;
                readBuffer = ByteBuffer.allocateDirect(options.readBufferSize());
            }
            ByteBuffer buffer = readBuffer;
            long demand = requested;
            long emitted = 0;
            try {
                for (;;) {
                    while (emitted != demand) {
                        if (isCancelled()) {
                            stop();
                            return;
                        }
                        String line = framer.next();
                        if (line != null) {
                            actual.onNext(line);
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
                        int n = end.read(buffer, buffer.capacity());
                        if (n > 0) {
                            framer.feed(buffer, n);
                        } else if (n == 0) {
                            atEndOfInput();
                        } else if (n == FifoReadEnd.PENDING) {
                            return; // the shared poller resumes us when the FIFO is ready
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
                        if (!options.follow() && framer.isDrained()) {
                            // one look without waiting: if the writer is already gone, complete now
                            // rather than at the next request (a chunk read meanwhile is kept)
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
                        return;
                    }
                }
            } finally {
                if (emitted != 0 && !isDone()) {
                    produced(emitted);
                }
            }
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
            readBuffer = null;
        }

        @Override
        void signalError(Throwable error) {
            actual.onError(error);
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
