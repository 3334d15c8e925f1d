package dev.reactorfifo.internal;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Operators;
import reactor.util.context.Context;

/**
 * The one readiness transport: a single daemon thread ({@code reactor-fifo-poller}) waits for
 * every FIFO descriptor of every subscription, so that a waiting FIFO holds no scheduler thread.
 * On Linux it is {@link EpollPoller}; elsewhere, or when the system property
 * {@value #PROPERTY}{@code =poll} is set (for tests), {@link PollPoller}.
 *
 * <p>Interest is one-shot: {@link #arm} asks for one answer, and the poller thread answers with
 * {@link Waiter#fire}, whose resume action only schedules the subscription's drain on the
 * subscription's own scheduler; reading, writing and emitting never run on the poller thread,
 * so a slow subscriber of one FIFO never delays the others. Every answer carries the arm's
 * sequence number, so an answer to an earlier arm (of a descriptor closed since) is dropped.
 *
 * <p>The thread starts with the first registered waiter and ends {@value #IDLE_EXIT_MILLIS} ms
 * after the last one closed.
 */
abstract class Poller {

    /** Set to {@code poll} to use the portable poll(2) poller on Linux too; for tests. */
    static final String PROPERTY = "dev.reactorfifo.poller";
    static final int IDLE_EXIT_MILLIS = 200;

    static final Poller INSTANCE = create();

    private static Poller create() {
        boolean forcePoll = "poll".equals(System.getProperty(PROPERTY));
        return Posix.isLinux() && !forcePoll ? new EpollPoller() : new PollPoller();
    }

    private final AtomicLong ids = new AtomicLong();
    /** Every waiter that is registered (has armed once and is not closed), by id. */
    final ConcurrentHashMap<Long, Waiter> waiters = new ConcurrentHashMap<>();
    private final Object lock = new Object();
    // guarded by lock
    private @Nullable Thread thread;
    private int threadCount;

    /** Gets the poller ready for its first waiter; called with the lock held, before its thread starts. */
    abstract void open() throws IOException;

    /** Releases what {@link #open} made, as the thread ends; called with the lock held, on the poller thread. */
    abstract void closed();

    /**
     * Asks for one answer when {@code fd} is ready for {@code events}. Any thread; for one
     * waiter, one thread at a time (its drain).
     */
    abstract void arm(Waiter waiter, int fd, int events, int sequence) throws IOException;

    /** Forgets {@code fd} of {@code waiter}, which its caller closes next. */
    abstract void forget(Waiter waiter, int fd);

    /** Waits up to {@code timeoutMillis} and fires what is ready. Only on the poller thread. */
    abstract void waitAndFire(int timeoutMillis) throws IOException;

    /** @return a new waiter id, never reused */
    final long nextId() {
        return ids.incrementAndGet();
    }

    /** Makes {@code waiter} known, starting the thread if none runs (known only once it runs). */
    final void register(Waiter waiter) throws IOException {
        synchronized (lock) {
            if (thread == null) {
                start();
            }
            waiters.put(waiter.id(), waiter);
        }
    }

    final void unregister(Waiter waiter) {
        waiters.remove(waiter.id());
    }

    // guarded by lock
    private void start() throws IOException {
        open();
        Thread t = new PollerThread(this::loop, "reactor-fifo-poller-" + (++threadCount));
        try {
            t.start();
        } catch (Throwable e) { // out of memory or threads: no half-started poller
            closed();
            throw new IOException("cannot start the reactor-fifo poller thread", e);
        }
        thread = t;
    }

    /** The poller's thread: it runs no user code, and a drain that finds itself on it moves off. */
    private static final class PollerThread extends Thread {
        PollerThread(Runnable loop, String name) {
            super(loop, name);
            setDaemon(true);
        }
    }

    /** @return whether {@code thread} is a poller's, where no drain, linger or user code may run */
    static boolean isPollerThread(Thread thread) {
        return thread instanceof PollerThread;
    }

    /**
     * Delivers an answer on the poller thread: the resume action only schedules a drain, but a
     * throw from it (a scheduler that fails in an unexpected way) must not end the thread that
     * every FIFO of the process waits on.
     */
    static void fireSafely(Waiter waiter, int revents, int sequence) {
        try {
            waiter.fire(revents, sequence);
        } catch (Throwable t) {
            reactor.core.Exceptions.throwIfJvmFatal(t);
            Operators.onErrorDropped(t, Context.empty());
        }
    }

    /** @return the waiter with {@code id}, or null if it is closed */
    final @Nullable Waiter waiter(long id) {
        return waiters.get(id);
    }

    private void loop() {
        long idleSince = 0;
        try {
            for (;;) {
                if (waiters.isEmpty()) {
                    long now = System.nanoTime();
                    if (idleSince == 0) {
                        idleSince = now;
                    } else if (now - idleSince >= TimeUnit.MILLISECONDS.toNanos(IDLE_EXIT_MILLIS)) {
                        synchronized (lock) {
                            if (waiters.isEmpty()) { // else a registration came meanwhile: go on
                                thread = null;
                                closed();
                                return;
                            }
                        }
                    }
                } else {
                    idleSince = 0;
                }
                waitAndFire(IDLE_EXIT_MILLIS);
            }
        } catch (Throwable fatal) {
            failAll(fatal);
        }
    }

    /**
     * Fails every waiter rather than leave it waiting forever: each resumes, and its next wait
     * throws an IOException carrying {@code fatal}. A later registration starts a new thread.
     */
    private void failAll(Throwable fatal) {
        List<Waiter> orphans;
        synchronized (lock) {
            thread = null;
            closed();
            orphans = new ArrayList<>(waiters.values());
            waiters.clear();
        }
        for (Waiter w : orphans) {
            try {
                w.failed(fatal);
            } catch (Throwable t) {
                reactor.core.Exceptions.throwIfJvmFatal(t);
                Operators.onErrorDropped(t, Context.empty());
            }
        }
        Operators.onErrorDropped(fatal, Context.empty());
    }
}
