package dev.reactorfifo.internal;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import jnr.ffi.Memory;
import jnr.ffi.Pointer;
import org.jspecify.annotations.Nullable;
import reactor.core.Disposable;
import reactor.core.scheduler.Schedulers;

/**
 * One daemon thread that waits in {@code poll(2)} for every FIFO of the
 * {@link dev.reactorfifo.FifoTransport#SHARED_POLLER} transport, so that a waiting FIFO holds no
 * scheduler thread.
 *
 * <p>Why poll(2) through our own jnr-ffi binding rather than jnr-enxio's selector or the JDK's
 * {@code jdk.nio.Channels}: it is the call the default transport already uses and that was
 * measured here; it adds no runtime dependency; it works on Linux and macOS alike; and the JDK
 * route needs a {@code java.io.FileDescriptor}, which Java only hands out for {@code O_RDWR} opens
 * that would hide every EOF. Its O(n) scan per wake-up is cheap next to reading the data at the
 * scale of thousands of descriptors.
 *
 * <p>Registrations are one-shot: when a descriptor is ready its registration is removed and its
 * waiter's resume action runs on this thread; the action only schedules the subscription's drain
 * on the subscription's own scheduler, where reading, writing and emitting happen. The thread
 * starts with the first registration and ends after {@value #LINGER_MILLIS} ms without any.
 */
final class SharedPoller {

    static final SharedPoller INSTANCE = new SharedPoller();

    static final int LINGER_MILLIS = 200;
    /** A pipe whose last wait was answered within this is chatty (a request-response peer). */
    static final long CHATTY_NANOS = TimeUnit.MILLISECONDS.toNanos(1);
    /**
     * How long a chatty pipe's worker waits in its own {@code poll} before registering. Longer than
     * a kernel tick (4 ms at the usual HZ=250) on purpose: a shorter timeout lands before the next
     * tick and has the kernel reprogram its timer device for every wait, which in a VM is a trap
     * to the hypervisor; measured here with a C ping-pong over two pipes, one-way 13.4 µs with no
     * timeout or one of 4 ms and more, 15.1-17.3 µs with 1 ms. Whether a pipe stays chatty is
     * still judged on {@link #CHATTY_NANOS}, so a pipe with a line every few milliseconds does
     * not keep a worker.
     */
    static final int CHATTY_LINGER_MILLIS = 5;
    /**
     * How many workers may linger at once, whatever the number of chatty pipes: a lingering
     * worker is a scheduler thread the pipe holds, and the transport exists to hold none.
     */
    static final int LINGER_BUDGET = Math.max(1, Runtime.getRuntime().availableProcessors());
    private static final int POLLFD_SIZE = 8;

    private final Object lock = new Object();
    // guarded by lock
    private final Set<Waiter> registered = new LinkedHashSet<>();
    private @Nullable Thread thread;
    private int wakeRead = -1;
    private int wakeWrite = -1;
    private int threadCount;
    private long registrations;
    private final ByteBuffer wakeByte = ByteBuffer.allocateDirect(1);
    /** Workers in a chatty pipe's linger now, at most {@link #LINGER_BUDGET}. */
    private final AtomicInteger lingerers = new AtomicInteger();

    private SharedPoller() {
    }

    /** A subscription's handle on the shared poller. */
    static final class Waiter implements ReadinessWaiter {
        private final SharedPoller poller;
        private final Runnable resume;
        // guarded by poller.lock
        private int fd;
        private int events;
        /** Changes with every registration, so a result polled for an earlier one is never delivered. */
        private long registration;
        private volatile boolean cancelled;
        private @Nullable Throwable pollerFailure;
        /**
         * Whether the last wait was answered within {@link #CHATTY_NANOS}: a chatty pipe (a
         * request-response peer) then waits up to {@value #CHATTY_LINGER_MILLIS} ms on its own
         * worker before registering, which saves the poller's extra thread wake-up per message,
         * as long as no more than {@link #LINGER_BUDGET} workers linger already. A cancel cannot
         * wake that {@code poll}: it returns within the linger and reads or writes nothing more.
         * An idle pipe, or one whose last wait was longer, registers at once and holds no thread.
         */
        private volatile boolean chatty;
        private volatile long registeredAt;
        private @Nullable Pointer ownPollfd; // only the drain thread uses it
        /** Set by the poller thread before it runs {@link #resume}; read by the subscription's drain. */
        private volatile int readyEvents;
        private volatile boolean pauseElapsed;
        private @Nullable Disposable timer;

        Waiter(SharedPoller poller, Runnable resume) {
            this.poller = poller;
            this.resume = resume;
        }

        @Override
        public int await(int fd, int events) throws IOException {
            if (cancelled) {
                return CANCELLED; // even with a result at hand: a cancelled subscription reads nothing more
            }
            int ready = readyEvents;
            if (ready != 0) {
                readyEvents = 0;
                Throwable failure;
                synchronized (poller.lock) {
                    failure = pollerFailure;
                }
                if (failure != null) {
                    throw new IOException("the shared poller thread failed", failure);
                }
                return ready;
            }
            if (chatty && poller.tryStartLinger()) {
                int revents;
                long lingerStart = System.nanoTime();
                try {
                    revents = lingerInPoll(fd, events);
                } finally {
                    poller.endLinger();
                }
                if (cancelled) {
                    // a cancel cannot wake this poll; it must not be followed by a read or write
                    return CANCELLED;
                }
                if (revents != 0) {
                    chatty = System.nanoTime() - lingerStart < CHATTY_NANOS;
                    return revents;
                }
                chatty = false;
            }
            registeredAt = System.nanoTime();
            return poller.register(this, fd, events) ? PENDING : CANCELLED;
        }

        /** @return revents, or 0 if nothing came within the linger */
        private int lingerInPoll(int fd, int events) throws IOException {
            Pointer pollfd = ownPollfd;
            if (pollfd == null) {
                pollfd = Memory.allocateDirect(Posix.runtime(), POLLFD_SIZE, true);
                ownPollfd = pollfd;
            }
            pollfd.putInt(0, fd);
            pollfd.putShort(4, (short) events);
            pollfd.putShort(6, (short) 0);
            int n = Posix.poll(pollfd, 1, CHATTY_LINGER_MILLIS);
            if (n == -Posix.EINTR || n == 0) {
                return 0;
            }
            if (n < 0) {
                throw new IOException("poll(2) failed: " + Posix.describe(-n));
            }
            return pollfd.getShort(6) & 0xFFFF;
        }

        @Override
        public int pause(int millis) {
            if (cancelled) {
                return CANCELLED; // even when the pause is over: a cancelled writer opens nothing more
            }
            if (pauseElapsed) {
                pauseElapsed = false;
                return ELAPSED;
            }
            synchronized (poller.lock) {
                if (cancelled) {
                    return CANCELLED;
                }
                // a timer rather than a sleeping thread: a writer waiting for a reader holds no thread
                timer = Schedulers.parallel().schedule(() -> {
                    pauseElapsed = true;
                    resume.run();
                }, millis, TimeUnit.MILLISECONDS);
            }
            return PENDING;
        }

        void fire(int revents) {
            chatty = System.nanoTime() - registeredAt < CHATTY_NANOS;
            readyEvents = revents;
            resume.run();
        }

        @Override
        public void wakeup() {
            Disposable t;
            synchronized (poller.lock) {
                cancelled = true;
                poller.unregister(this);
                t = timer;
                timer = null;
            }
            if (t != null) {
                t.dispose();
            }
        }

        @Override
        public void closeDescriptor(int fd) {
            synchronized (poller.lock) {
                poller.unregister(this); // before close: the number may be reused at once
            }
            Posix.close(fd);
        }

        @Override
        public void close() {
            wakeup();
        }
    }

    /**
     * Takes one of the {@link #LINGER_BUDGET} linger slots, if one is free; the caller gives it
     * back with {@link #endLinger()} once its linger is over. A slot is only ever taken here, so
     * the count never exceeds the budget, even for a moment.
     */
    private boolean tryStartLinger() {
        for (;;) {
            int n = lingerers.get();
            if (n >= LINGER_BUDGET) {
                return false;
            }
            if (lingerers.compareAndSet(n, n + 1)) {
                return true;
            }
        }
    }

    private void endLinger() {
        lingerers.decrementAndGet();
    }

    /** Workers in a linger right now; for tests. */
    int lingeringNow() {
        return lingerers.get();
    }

    Waiter newWaiter(Runnable resume) {
        return new Waiter(this, resume);
    }

    /** @return false if the waiter was cancelled */
    private boolean register(Waiter waiter, int fd, int events) throws IOException {
        synchronized (lock) {
            if (waiter.cancelled) {
                return false;
            }
            waiter.fd = fd;
            waiter.events = events;
            waiter.registration = ++registrations;
            registered.add(waiter);
            if (thread == null) {
                start();
            } else {
                wake();
            }
            return true;
        }
    }

    // guarded by lock
    private void unregister(Waiter waiter) {
        if (registered.remove(waiter)) {
            wake(); // rebuild the poll set without it
        }
    }

    // guarded by lock
    private void start() throws IOException {
        int[] fds = Posix.wakeupPipe();
        Thread t = new Thread(this::loop, "reactor-fifo-poller-" + (++threadCount));
        t.setDaemon(true);
        wakeRead = fds[0];
        wakeWrite = fds[1];
        try {
            t.start();
        } catch (Throwable e) { // no thread (out of memory or threads): leave no half-started poller
            stopLocked();
            throw new IOException("cannot start the shared poller thread", e);
        }
        thread = t;
    }

    // guarded by lock
    private void wake() {
        if (wakeWrite >= 0) {
            Posix.write(wakeWrite, wakeByte, 1); // EAGAIN: already woken
        }
    }

    private void loop() {
        Pointer pollfds = null;
        int capacity = 0;
        ByteBuffer drain = ByteBuffer.allocateDirect(512);
        List<Waiter> polled = new ArrayList<>();
        long[] polledRegistrations = new long[16];
        List<Waiter> ready = new ArrayList<>();
        List<Integer> readyEvents = new ArrayList<>();
        long idleSince = 0;
        try {
            for (;;) {
                int count;
                int timeout;
                synchronized (lock) {
                    if (registered.isEmpty()) {
                        long now = System.nanoTime();
                        if (idleSince == 0) {
                            idleSince = now;
                        } else if (now - idleSince >= TimeUnit.MILLISECONDS.toNanos(LINGER_MILLIS)) {
                            stopLocked();
                            return;
                        }
                        timeout = LINGER_MILLIS;
                    } else {
                        idleSince = 0;
                        timeout = -1;
                    }
                    count = registered.size() + 1;
                    if (count > capacity) {
                        capacity = Math.max(count, capacity * 2);
                        pollfds = Memory.allocateDirect(Posix.runtime(), capacity * POLLFD_SIZE, true);
                    }
                    pollfds.putInt(0, wakeRead);
                    pollfds.putShort(4, (short) Posix.POLLIN);
                    pollfds.putShort(6, (short) 0);
                    polled.clear();
                    if (polledRegistrations.length < count) {
                        polledRegistrations = new long[capacity];
                    }
                    int i = 1;
                    for (Waiter w : registered) {
                        int at = i * POLLFD_SIZE;
                        pollfds.putInt(at, w.fd);
                        pollfds.putShort(at + 4, (short) w.events);
                        pollfds.putShort(at + 6, (short) 0);
                        polledRegistrations[i - 1] = w.registration;
                        polled.add(w);
                        i++;
                    }
                }
                int n = Posix.poll(pollfds, count, timeout);
                if (n < 0 && n != -Posix.EINTR) {
                    throw new IOException("poll(2) failed: " + Posix.describe(-n));
                }
                if (n <= 0) {
                    continue;
                }
                if (pollfds.getShort(6) != 0) {
                    while (Posix.read(wakeRead, drain, drain.capacity()) > 0) {
                        // empty the wake-up pipe: the wake-up has done its job
                    }
                }
                synchronized (lock) {
                    for (int i = 0; i < polled.size(); i++) {
                        int revents = pollfds.getShort((i + 1) * POLLFD_SIZE + 6) & 0xFFFF;
                        Waiter w = polled.get(i);
                        // still the registration that was polled: not cancelled, closed or replaced
                        // meanwhile (a closed descriptor's POLLNVAL must not reach its successor)
                        if (revents != 0 && w.registration == polledRegistrations[i] && registered.remove(w)) {
                            ready.add(w);
                            readyEvents.add(revents);
                        }
                    }
                }
                for (int i = 0; i < ready.size(); i++) {
                    try {
                        ready.get(i).fire(readyEvents.get(i));
                    } catch (Throwable t) {
                        reactor.core.publisher.Operators.onErrorDropped(t, reactor.util.context.Context.empty());
                    }
                }
                ready.clear();
                readyEvents.clear();
            }
        } catch (Throwable fatal) {
            // fail every waiter rather than leave it waiting forever: each resumes and its next
            // wait throws an IOException carrying this cause
            List<Waiter> orphans;
            synchronized (lock) {
                orphans = new ArrayList<>(registered);
                registered.clear();
                for (Waiter w : orphans) {
                    w.pollerFailure = fatal;
                }
                stopLocked();
            }
            for (Waiter w : orphans) {
                w.fire(Posix.POLLERR);
            }
            reactor.core.publisher.Operators.onErrorDropped(fatal, reactor.util.context.Context.empty());
        }
    }

    // guarded by lock
    private void stopLocked() {
        thread = null;
        if (wakeRead >= 0) {
            Posix.close(wakeRead);
            Posix.close(wakeWrite);
        }
        wakeRead = -1;
        wakeWrite = -1;
    }
}
