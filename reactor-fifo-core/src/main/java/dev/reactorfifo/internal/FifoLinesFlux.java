package dev.reactorfifo.internal;

import dev.reactorfifo.ReadOptions;
import java.nio.ByteBuffer;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicIntegerFieldUpdater;
import java.util.concurrent.atomic.AtomicLongFieldUpdater;
import org.jspecify.annotations.Nullable;
import reactor.core.CoreSubscriber;
import reactor.core.Scannable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Operators;
import reactor.core.scheduler.Scheduler;

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
    }

    static final class ReadSubscription implements org.reactivestreams.Subscription, Runnable, Scannable {

        private final CoreSubscriber<? super String> actual;
        private final String path;
        private final ReadOptions options;
        private final Scheduler scheduler;
        private final LineFramer framer;

        // Owned by whichever thread holds the WIP "lock" (the drain task, or cancel() when idle)
        private @Nullable FifoReadEnd readEnd;
        private @Nullable ByteBuffer readBuffer;
        private boolean endOfInput;
        private boolean done;

        /** Published before the drain checks {@link #cancelled}, so cancel() either sees it or is seen. */
        private volatile @Nullable ReadinessWaiter waiter;
        private volatile boolean cancelled;

        private volatile long requested;
        private static final AtomicLongFieldUpdater<ReadSubscription> REQUESTED =
                AtomicLongFieldUpdater.newUpdater(ReadSubscription.class, "requested");

        private volatile int wip;
        private static final AtomicIntegerFieldUpdater<ReadSubscription> WIP =
                AtomicIntegerFieldUpdater.newUpdater(ReadSubscription.class, "wip");

        ReadSubscription(CoreSubscriber<? super String> actual, String path, ReadOptions options) {
            this.actual = actual;
            this.path = path;
            this.options = options;
            this.scheduler = options.scheduler();
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
            if (cancelled) {
                return;
            }
            cancelled = true;
            if (WIP.getAndIncrement(this) == 0) {
                stop(); // no drain task runs or is queued: nobody else touches the descriptors
            } else {
                ReadinessWaiter w = waiter;
                if (w != null) {
                    w.wakeup();
                }
            }
        }

        private void schedule() {
            if (WIP.getAndIncrement(this) != 0) {
                return;
            }
            try {
                scheduler.schedule(this);
            } catch (RejectedExecutionException e) {
                stop();
                actual.onError(Operators.onRejectedExecution(e, this, null, null, actual.currentContext()));
            }
        }

        @Override
        public void run() {
            int missed = 1;
            for (;;) {
                if (!done) {
                    try {
                        drain();
                    } catch (Throwable t) {
                        fail(t);
                    }
                }
                if (done) {
                    return; // WIP stays above zero: nothing may start again
                }
                missed = WIP.addAndGet(this, -missed);
                if (missed == 0) {
                    return;
                }
            }
        }

        /** Emits while there is demand; returns when demand is exhausted, the FIFO is not ready, or the stream is over. */
        private void drain() throws Exception {
            if (cancelled) {
                stop();
                return;
            }
            FifoReadEnd end = readEnd;
            if (end == null) {
                BlockingGuard.requireBlockingAllowed("NamedPipe.lines() of " + path);
                ReadinessWaiter w = Transports.newWaiter(options.transport(), this::schedule);
                waiter = w;
                if (cancelled) {
                    stop();
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
                        if (cancelled) {
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
                            complete();
                            return;
                        }
                        int n = end.read(buffer, buffer.capacity());
                        if (n > 0) {
                            framer.feed(buffer, n);
                        } else if (n == 0) {
                            if (options.follow()) {
                                end.reopen();
                            } else {
                                endOfInput = true;
                            }
                            framer.endOfInput();
                        } else if (n == FifoReadEnd.PENDING) {
                            return; // the shared poller resumes us when the FIFO is ready
                        } else {
                            stop();
                            return;
                        }
                    }
                    if (endOfInput && framer.isDrained()) {
                        complete(); // no fragment left: completing needs no demand
                        return;
                    }
                    demand = produced(emitted);
                    emitted = 0;
                    if (demand == 0) {
                        return;
                    }
                }
            } finally {
                if (emitted != 0 && !done) {
                    produced(emitted);
                }
            }
        }

        /** @return the demand left after {@code emitted} lines */
        private long produced(long emitted) {
            return emitted == 0 ? requested : Operators.produced(REQUESTED, this, emitted);
        }

        /** Cancelled: close silently. */
        private void stop() {
            release();
            done = true;
        }

        private void complete() {
            release();
            done = true;
            actual.onComplete();
        }

        private void fail(Throwable t) {
            release();
            if (done) {
                Operators.onErrorDropped(t, actual.currentContext());
                return;
            }
            done = true;
            if (!cancelled) {
                actual.onError(t);
            }
        }

        /** Closes everything this subscription opened. Only called by the WIP owner. */
        private void release() {
            FifoReadEnd end = readEnd;
            if (end != null) {
                readEnd = null;
                end.close();
            }
            ReadinessWaiter w = waiter;
            if (w != null) {
                waiter = null;
                w.close();
            }
            readBuffer = null;
        }

        @Override
        public @Nullable Object scanUnsafe(Attr key) {
            if (key == Attr.ACTUAL) {
                return actual;
            }
            if (key == Attr.REQUESTED_FROM_DOWNSTREAM) {
                return requested;
            }
            if (key == Attr.CANCELLED) {
                return cancelled;
            }
            if (key == Attr.TERMINATED) {
                return done && !cancelled;
            }
            if (key == Attr.RUN_ON) {
                return scheduler;
            }
            if (key == Attr.RUN_STYLE) {
                return Attr.RunStyle.ASYNC;
            }
            return null;
        }
    }
}
