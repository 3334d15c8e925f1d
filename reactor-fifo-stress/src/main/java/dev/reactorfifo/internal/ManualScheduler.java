package dev.reactorfifo.internal;

import java.util.concurrent.RejectedExecutionException;
import org.jspecify.annotations.Nullable;
import reactor.core.Disposable;
import reactor.core.Disposables;
import reactor.core.scheduler.Scheduler;

/**
 * A scheduler fake: it either keeps the one task it is given for an actor to run on its own
 * thread ({@link #runQueued()}), as a scheduler worker would, or rejects every task, as a
 * disposed scheduler does.
 */
final class ManualScheduler implements Scheduler {

    private final boolean rejecting;
    private volatile @Nullable Runnable queued;

    private ManualScheduler(boolean rejecting) {
        this.rejecting = rejecting;
    }

    static ManualScheduler running() {
        return new ManualScheduler(false);
    }

    static ManualScheduler rejecting() {
        return new ManualScheduler(true);
    }

    @Override
    public Disposable schedule(Runnable task) {
        if (rejecting) {
            throw new RejectedExecutionException("the test scheduler rejects every task");
        }
        if (queued != null) {
            throw new AssertionError("a second task queued while one is: the drain dispatched twice");
        }
        queued = task;
        return Disposables.single();
    }

    /** Runs the queued task, if there is one, on the calling thread. @return whether there was one */
    boolean runQueued() {
        Runnable task = queued;
        if (task == null) {
            return false;
        }
        queued = null;
        task.run();
        return true;
    }

    @Override
    public Worker createWorker() {
        throw new UnsupportedOperationException("the drain schedules on the scheduler itself");
    }
}
