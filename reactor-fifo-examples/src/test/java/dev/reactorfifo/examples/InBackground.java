package dev.reactorfifo.examples;

import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.FutureTask;
import java.util.concurrent.TimeUnit;

/**
 * An example's {@code run} on a thread of its own, for tests that must act while it runs (start
 * the peer process, stop a follow-mode reader). {@link #close()} interrupts it, which makes its
 * {@code block()} cancel the subscription and release the FIFO.
 */
final class InBackground implements AutoCloseable {

    private final FutureTask<Integer> task;
    private final Thread thread;

    InBackground(String name, Callable<Integer> run) {
        task = new FutureTask<>(run);
        thread = new Thread(task, name);
        thread.setDaemon(true);
        thread.start();
    }

    /** Waits for {@code run} to return its exit code; fails after {@code timeout}. */
    int exitCode(Duration timeout) throws Exception {
        return task.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    boolean isDone() {
        return task.isDone();
    }

    /** Interrupts the thread, as Ctrl-C would end the program, and waits for it to return. */
    @Override
    public void close() {
        thread.interrupt();
        try {
            thread.join(5000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
