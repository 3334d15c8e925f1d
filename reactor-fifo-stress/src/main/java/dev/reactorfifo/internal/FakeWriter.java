package dev.reactorfifo.internal;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicInteger;
import org.jspecify.annotations.Nullable;
import org.reactivestreams.Subscription;
import reactor.core.CoreSubscriber;
import reactor.core.Fuseable;
import reactor.core.publisher.Operators;
import reactor.util.context.Context;

/**
 * A {@link BoundedFifoSink}'s writer that opens no FIFO: it keeps {@link FifoWriteMono.WriteSubscriber}'s
 * contract towards the sink and "writes" a line by noting it in {@link #log()}: it polls the full
 * chunks the sink handed over, and when there are none it takes the staged lines at once (the
 * real writer's "the reader waits" case), writing them after any chunk handed over meanwhile. A
 * take that finds an emit holding the staged lines is not tried again unless a test sets
 * {@link #retriesBusyTake} (the real writer tries again from a deferred flush): in the other
 * tests such lines reach it with the completion. Like the real one it
 * is a {@link FifoDrain} (the same counter serialises its drain between the emitting thread's
 * onNext, the completing thread's onComplete and a scheduler's run, and the same cancel), it fuses
 * ASYNC with the sink's queue, drains on the signalling thread once "open", reads
 * {@code upstreamDone} before each poll so that a completion that overtakes an emit's onNext still
 * lets that line be written before the outcome, reports the outcome to the sink after the queue is
 * empty, cancels its upstream on a cancel (which the sink sees as "refuse more lines") and drops
 * the fused queue's lines when it ends ({@code afterTerminated}).
 *
 * <p>The log, in order: each line written, and {@code C} or {@code E} when the outcome
 * (onComplete, onError) was delivered to the sink; a line after a {@code C} or {@code E} was
 * written after the outcome, two letters are two outcomes.
 */
final class FakeWriter extends FifoDrain implements BoundedFifoSink.Writer {

    private final ManualScheduler scheduler;
    private final CoreSubscriber<? super Void> actual;
    private final BoundedFifoSink.WrittenLines linesWrittenCounter;
    private final BoundedFifoSink.Staged staged;
    /** Queued chunks and staged lines taken, in order (owned by the WIP holder). */
    private final ChunkSequence order = new ChunkSequence();
    /** Owned by the WIP holder: the FIFO is open, so signals drain inline (the real writeEnd != null). */
    private boolean open;

    private Fuseable.@Nullable QueueSubscription<Object> queue;
    private volatile boolean upstreamDone;
    private @Nullable Throwable upstreamError;

    private final StringBuffer log = new StringBuffer();
    final AtomicInteger cancels = new AtomicInteger();
    /** How many times the sink signalled "there are lines". */
    final AtomicInteger signals = new AtomicInteger();

    /**
     * @param open whether the FIFO counts as open from the start (signals drain inline at once),
     *     or the first drain opens it, on {@code scheduler}, as the real writer's first drain does
     */
    FakeWriter(CoreSubscriber<? super Void> actual, BoundedFifoSink.WrittenLines linesWrittenCounter, BoundedFifoSink.Staged staged,
            ManualScheduler scheduler, boolean open) {
        super(scheduler);
        this.scheduler = scheduler;
        this.actual = actual;
        this.linesWrittenCounter = linesWrittenCounter;
        this.staged = staged;
        this.open = open;
    }

    /**
     * A deferred flush scheduled and not begun, as the real writer's {@code flushScheduled}: while
     * set, a drain leaves the staged lines to it, and the sink may leave a chunk it hands over to
     * it. False unless a test sets it.
     */
    volatile boolean pendingFlush;

    @Override
    public boolean flushPending() {
        return pendingFlush;
    }

    /**
     * Whether a take that finds an emit holding the staged lines is tried again from a deferred
     * flush on the scheduler, as the real writer does; false (not tried again) unless a test sets it.
     */
    volatile boolean retriesBusyTake;

    /** The real writer's deferred flush: clears the flag, then drains here unless a drain runs. */
    void deferredFlush() {
        pendingFlush = false;
        drainHere();
    }

    /** The lines written and the outcomes delivered, in order, separated by spaces; "-" for nothing. */
    String log() {
        String s = log.toString().trim();
        return s.isEmpty() ? "-" : s;
    }

    @Override
    @SuppressWarnings("unchecked")
    public void onSubscribe(Subscription s) {
        if (!(s instanceof Fuseable.QueueSubscription)
                || ((Fuseable.QueueSubscription<Object>) s).requestFusion(Fuseable.ANY | Fuseable.THREAD_BARRIER)
                        != Fuseable.ASYNC) {
            throw new AssertionError("the sink's line source does not fuse ASYNC: " + s);
        }
        queue = (Fuseable.QueueSubscription<Object>) s;
        actual.onSubscribe(this);
        if (!open) {
            schedule(); // the real writer's open drain
        }
    }

    @Override
    public void onNext(@Nullable Object unused) {
        signals.incrementAndGet();
        signal(); // fused ASYNC: "there are lines"
    }

    @Override
    public void onError(Throwable t) {
        if (upstreamDone) {
            Operators.onErrorDropped(t, actual.currentContext());
            return;
        }
        upstreamError = t;
        upstreamDone = true;
        signal();
    }

    @Override
    public void onComplete() {
        if (upstreamDone) {
            return;
        }
        upstreamDone = true;
        signal();
    }

    @Override
    public void request(long n) {
    }

    @Override
    public void cancel() {
        cancels.incrementAndGet();
        cancelDrain();
    }

    @Override
    void cancelUpstream() {
        queue.cancel();
    }

    @Override
    boolean mayRunInline() {
        return open && !isDone();
    }

    @Override
    void afterTerminated() {
        queue.clear();
    }

    @Override
    void drain() {
        open = true;
        Fuseable.QueueSubscription<Object> q = queue;
        for (;;) {
            if (isCancelled()) {
                stop();
                return;
            }
            boolean finished = upstreamDone;
            LineChunk chunk = (LineChunk) order.next(q); // the real writer's order of queued and taken chunks
            if (chunk == null) {
                if (finished) {
                    Throwable error = upstreamError;
                    complete(error != null ? () -> deliver("E", error) : () -> deliver("C", null));
                    return;
                }
                if (pendingFlush) {
                    return; // the deferred flush takes them, as the real writer's does
                }
                LineChunk taken = staged.takeStaged(); // null: none, or an emit holds them
                if (taken == null) {
                    if (retriesBusyTake && staged.hasStaged()) {
                        pendingFlush = true;
                        scheduler.schedule(this::deferredFlush);
                    }
                    return;
                }
                order.taken(taken);
                continue;
            }
            for (String line : new String(chunk.bytes, 0, chunk.length, StandardCharsets.UTF_8).split("\n")) {
                log.append(line).append(' ');
            }
            linesWrittenCounter.add(chunk.lines);
        }
    }

    private void deliver(String letter, @Nullable Throwable error) {
        log.append(letter).append(' ');
        if (error != null) {
            actual.onError(error);
        } else {
            actual.onComplete();
        }
    }

    @Override
    void releaseResources() {
    }

    @Override
    void signalError(Throwable error) {
        deliver("E", error);
    }

    @Override
    Context context() {
        return actual.currentContext();
    }

    @Override
    public Context currentContext() {
        return actual.currentContext();
    }
}
