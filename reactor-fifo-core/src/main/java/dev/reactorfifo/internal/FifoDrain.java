package dev.reactorfifo.internal;

import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicIntegerFieldUpdater;
import org.jspecify.annotations.Nullable;
import reactor.core.Exceptions;
import reactor.core.Scannable;
import reactor.core.publisher.Operators;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;
import reactor.util.context.Context;

/**
 * The serialised drain loop shared by the reading and the writing subscription: a
 * work-in-progress counter makes sure that at most one thread at a time runs {@link #drain()} or
 * touches the descriptors, and that a signal arriving while it runs makes it run once more.
 *
 * <p>Cancellation: when no drain task runs, {@link #cancelDrain()} releases everything on the
 * cancelling thread (closing a FIFO descriptor never blocks): either it owns the counter (no task
 * at all) or it takes a task that is queued but not started away from the scheduler (which may be
 * busy for long, and the descriptor must not stay open meanwhile). Otherwise it wakes the waiter,
 * and the running drain releases everything itself. A descriptor is therefore never closed under
 * a thread that is still using it.
 *
 * <p>One owner releases: whoever holds the task when it ends. A task the scheduler rejects is
 * taken back by the dispatching thread with the same compare-and-set a cancel uses to take a
 * queued task, so exactly one of them releases the resources.
 */
abstract class FifoDrain implements Runnable {

    private final Scheduler scheduler;
    /** Published before the drain checks {@link #cancelled}, so cancel either sees it or is seen. */
    private volatile @Nullable Waiter waiter;
    private volatile boolean cancelled;
    /** Owned by the WIP holder. Once set, the counter never returns to zero: nothing runs again. */
    private boolean done;
    // owned by the WIP holder
    private boolean inline;

    private volatile int wip;
    private static final AtomicIntegerFieldUpdater<FifoDrain> WIP =
            AtomicIntegerFieldUpdater.newUpdater(FifoDrain.class, "wip");

    /** How many rounds an emitting thread drains for others' signals before handing over. */
    static final int MAX_INLINE_ROUNDS = 4;

    private static final int IDLE = 0;
    private static final int QUEUED = 1;
    private static final int RUNNING = 2;
    private static final int TAKEN_BY_CANCEL = 3;
    /** Where the drain task is; only the task itself or a cancel that finds it QUEUED moves it. */
    private volatile int task;
    private static final AtomicIntegerFieldUpdater<FifoDrain> TASK =
            AtomicIntegerFieldUpdater.newUpdater(FifoDrain.class, "task");

    FifoDrain(Scheduler scheduler) {
        this.scheduler = scheduler;
    }

    /** Does the work; runs on the scheduler, one thread at a time. */
    abstract void drain() throws Exception;

    /** Closes the descriptor and drops buffers. Only called by the WIP holder, once per terminal state. */
    abstract void releaseResources();

    /** Delivers a terminal error downstream. */
    abstract void signalError(Throwable error);

    abstract Context context();

    /** What the drain reads or writes, for messages: the FIFO's path. */
    String target() {
        return "a FIFO";
    }

    /** Hook run on cancellation and failure before resources are released (the writer cancels its upstream). */
    void cancelUpstream() {
    }

    /** Hook run by the drain thread once the stream is over. */
    void afterTerminated() {
    }

    /**
     * Whether {@link #signal()} may run the drain on the signalling thread rather than hand it
     * to the scheduler. Called with the counter held. The drain then must never wait: a write
     * that finds the pipe full arms the poller and returns.
     */
    boolean mayRunInline() {
        return false;
    }

    final Scheduler scheduler() {
        return scheduler;
    }

    final boolean isCancelled() {
        return cancelled;
    }

    final boolean isDone() {
        return done;
    }

    /** @return whether the drain runs on a signalling thread, where it must not wait */
    final boolean isInline() {
        return inline;
    }

    /** The {@link Scannable} attributes every drain answers alike; null for the others. */
    final @Nullable Object scanDrain(Scannable.Attr key) {
        if (key == Scannable.Attr.CANCELLED) {
            return cancelled;
        }
        if (key == Scannable.Attr.TERMINATED) {
            return done && !cancelled;
        }
        if (key == Scannable.Attr.RUN_ON) {
            return scheduler;
        }
        if (key == Scannable.Attr.RUN_STYLE) {
            return Scannable.Attr.RunStyle.ASYNC;
        }
        return null;
    }

    /** Runs the drain on the scheduler, or makes the running one loop once more. */
    final void schedule() {
        if (WIP.getAndIncrement(this) != 0) {
            return;
        }
        dispatch();
    }

    /** Hands the drain, whose counter this thread holds, to the scheduler. */
    private void dispatch() {
        task = QUEUED;
        try {
            scheduler.schedule(this);
        } catch (RejectedExecutionException e) {
            // the task never runs: take it back, unless a cancel took it first and released everything
            if (TASK.compareAndSet(this, QUEUED, RUNNING)) {
                // Reactor passes its own kind of rejection through as it is (another it would
                // report as "Scheduler unavailable"): this one names the FIFO and keeps the reason
                RejectedExecutionException named = Exceptions.failWithRejected(target() + ": the scheduler " + scheduler
                        + " rejected the task that reads or writes the FIFO: " + e.getMessage());
                named.initCause(e);
                failOffThePoller(named);
            }
        }
    }

    /**
     * Fails the stream, which calls the subscriber's {@code onError}: never on the poller thread
     * (where a rejected resume lands), whose every minute belongs to every FIFO of the process.
     * The caller holds the counter and hands it over with the work.
     */
    private void failOffThePoller(Throwable error) {
        Runnable failure = () -> {
            // built here, off the poller: the rejection goes through the user's error hooks
            fail(error instanceof RejectedExecutionException
                    ? Operators.onRejectedExecution(error, context()) : error);
            afterTerminated();
        };
        if (!Poller.isPollerThread(Thread.currentThread())) {
            failure.run();
            return;
        }
        try {
            Schedulers.parallel().schedule(failure);
        } catch (RejectedExecutionException e) {
            Thread t = new Thread(failure, "reactor-fifo-failure");
            t.setDaemon(true);
            t.start();
        }
    }

    /**
     * Like {@link #schedule()}, but when nothing runs and {@link #mayRunInline()} allows it, runs
     * the drain right here: a lone line then reaches the pipe without waking a scheduler thread,
     * and a signal that arrives while it runs (another thread's line) makes it run once more, so
     * those lines join the next write. Only for signals from upstream, never from the poller's
     * thread.
     */
    final void signal() {
        if (WIP.getAndIncrement(this) != 0) {
            return;
        }
        if (!mayRunInline()) {
            dispatch();
            return;
        }
        int missed = 1;
        for (int rounds = 1; ; rounds++) {
            inline = true;
            try {
                drain();
            } catch (Throwable t) {
                Exceptions.throwIfJvmFatal(t);
                fail(t);
            } finally {
                inline = false;
            }
            if (done) {
                afterTerminated();
                return;
            }
            missed = WIP.addAndGet(this, -missed);
            if (missed == 0) {
                return;
            }
            if (rounds == MAX_INLINE_ROUNDS) {
                // other threads keep signalling: their writes are not this emitter's to do for
                // long; the scheduler continues, with the counter this thread holds
                dispatch();
                return;
            }
        }
    }

    /**
     * Runs the drain on the calling thread, which must be one of the scheduler's (a task the
     * drain scheduled itself), unless it runs elsewhere already: then that one runs once more.
     */
    final void drainHere() {
        if (WIP.getAndIncrement(this) != 0) {
            return;
        }
        task = RUNNING;
        loop();
    }

    final void cancelDrain() {
        if (cancelled) {
            return;
        }
        cancelled = true;
        cancelUpstream();
        if (WIP.getAndIncrement(this) == 0 || TASK.compareAndSet(this, QUEUED, TAKEN_BY_CANCEL)) {
            stop();
            afterTerminated();
        } else {
            Waiter w = waiter;
            if (w != null) {
                w.wakeup();
            }
        }
    }

    @Override
    public final void run() {
        if (!TASK.compareAndSet(this, QUEUED, RUNNING)) {
            return; // a cancel took it while queued and released everything
        }
        if (Poller.isPollerThread(Thread.currentThread())) {
            // a scheduler that runs tasks on the calling thread: the drain would read, emit and
            // linger on the thread every FIFO waits on
            failOffThePoller(new IllegalStateException("the scheduler " + scheduler + " ran a FIFO's drain on the"
                    + " thread that scheduled it, here the reactor-fifo poller's; use one that runs tasks on threads"
                    + " of its own, such as Schedulers.boundedElastic()"));
            return;
        }
        loop();
    }

    /** The drain loop of a thread that holds the counter, with the task RUNNING. */
    private void loop() {
        int missed = 1;
        for (;;) {
            if (!done) {
                try {
                    drain();
                } catch (Throwable t) {
                    Exceptions.throwIfJvmFatal(t);
                    fail(t);
                }
            }
            if (done) {
                afterTerminated();
                return;
            }
            // IDLE before the counter can reach zero: a schedule() that then wins marks it QUEUED
            task = IDLE;
            missed = WIP.addAndGet(this, -missed);
            if (missed == 0) {
                return;
            }
            task = RUNNING;
        }
    }

    /**
     * Creates and publishes the subscription's waiter.
     *
     * @return the waiter, or {@code null} if cancelled meanwhile (then everything is released)
     */
    final @Nullable Waiter openWaiter() {
        Waiter w = new Waiter(Poller.INSTANCE, this::schedule);
        waiter = w;
        if (cancelled) {
            stop();
            return null;
        }
        return w;
    }

    /**
     * @throws IllegalStateException for {@link Schedulers#immediate()}, which would run the drain
     *     on the subscribing thread and on the poller's thread
     */
    static void requireAsync(Scheduler scheduler, String what) {
        if (scheduler == Schedulers.immediate()) {
            throw new IllegalStateException(what + ": Schedulers.immediate() runs work on the calling thread,"
                    + " which would make subscribe() and the poller thread do the FIFO's work; use"
                    + " Schedulers.boundedElastic() (the default), parallel() or single()");
        }
    }

    /** Ends silently (cancelled). */
    final void stop() {
        release();
        done = true;
    }

    /** Ends with {@code complete}, run after everything is released. */
    final void complete(Runnable complete) {
        release();
        done = true;
        complete.run();
    }

    final void fail(Throwable error) {
        cancelUpstream();
        release();
        if (done) {
            Operators.onErrorDropped(error, context());
            return;
        }
        done = true;
        if (!cancelled) {
            signalError(error);
        }
    }

    private void release() {
        releaseResources();
        Waiter w = waiter;
        if (w != null) {
            waiter = null;
            w.close();
        }
    }
}
