package dev.reactorfifo.internal;

import java.io.IOException;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.nio.ByteBuffer;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.jspecify.annotations.Nullable;
import reactor.core.Disposable;
import reactor.core.scheduler.Schedulers;

/**
 * A subscription's handle on the {@link Poller}: how its drain waits for a descriptor without
 * holding a thread. {@link #await} either answers at once (the poller already fired for it) or
 * arms the poller and returns {@link #PENDING}; the drain then returns, and the poller thread runs
 * the subscription's resume action (which schedules the drain again) when the descriptor is
 * ready, or when a {@link #pause} is over.
 *
 * <p>Threads: {@link #await}, {@link #pause}, {@link #closeDescriptor} and {@link #close} are
 * called by the subscription's drain, one thread at a time; {@link #wakeup()} by any thread;
 * {@link #fire} by the poller thread.
 *
 * <p>A chatty pipe (its last wait was answered within {@link #CHATTY_NANOS}, as in
 * request-response traffic) first waits up to {@value #CHATTY_LINGER_MILLIS} ms in its own
 * {@code poll(2)} on the drain's thread, which saves the poller's thread wake-up per message;
 * only on platform threads of schedulers that allow blocking (never on a virtual thread, where
 * the native call would pin its carrier, nor on {@code parallel()}), and at most one lingering
 * thread per CPU. A cancel cannot wake that {@code poll}: it returns within the linger and reads
 * or writes nothing more.
 */
final class Waiter {

    /** Cancelled by {@link #wakeup()}: this and every later wait return it. */
    static final int CANCELLED = -1;
    /** Not ready yet: the resume action will run when it is; call again then. */
    static final int PENDING = -2;
    /** {@link #pause} is over. */
    static final int ELAPSED = 0;
    /**
     * In {@link #await}'s events: this reader has seen a writer, so the poll(2) poller may answer
     * with this bit alone after its bounded wait, and the reader tries a {@code read()} to find an
     * EOF that {@code poll} did not report. Outside the 16 bits of {@code revents}.
     */
    static final int PROBE = 1 << 16;
    /** Sequence numbers of arms wrap at this mask, which is the width the epoll event data keeps. */
    static final int SEQUENCE_MASK = (1 << 24) - 1;

    /** A pipe whose last wait was answered within this is chatty (a request-response peer). */
    static final long CHATTY_NANOS = TimeUnit.MILLISECONDS.toNanos(1);
    /**
     * How long a chatty pipe's drain waits in its own {@code poll} before arming the poller.
     * Longer than a kernel tick (4 ms at the usual HZ=250) on purpose: a shorter timeout lands
     * before the next tick and has the kernel reprogram its timer device for every wait, which in
     * a VM is a trap to the hypervisor; measured here with a C ping-pong over two pipes, one-way
     * 13.4 µs with no timeout or one of 4 ms and more, 15.1-17.3 µs with 1 ms. Whether a pipe
     * stays chatty is still judged on {@link #CHATTY_NANOS}, so a pipe with a line every few
     * milliseconds does not keep a thread.
     */
    static final int CHATTY_LINGER_MILLIS = 5;
    /** How many threads may linger at once, whatever the number of chatty pipes. */
    static final int LINGER_BUDGET = Math.max(1, Runtime.getRuntime().availableProcessors());
    private static final AtomicInteger LINGERING = new AtomicInteger();
    private static final @Nullable MethodHandle IS_VIRTUAL = isVirtualHandle();

    private final Poller poller;
    private final Runnable resume;
    private final long id;

    private volatile boolean cancelled;
    /** The answer of the poller thread, for the drain's next {@link #await}. */
    private volatile int readyEvents;
    private volatile @Nullable Throwable pollerFailure;
    /** An arm is outstanding: a drain that runs again for another reason must not arm twice. */
    private volatile boolean armed;
    /** The current arm's number; an answer carrying another one is stale (its descriptor is gone). */
    private volatile int sequence;
    private volatile boolean chatty;
    private volatile long armedAt;
    private volatile boolean pauseElapsed;
    private @Nullable Disposable timer; // guarded by this
    // owned by the drain thread
    private boolean registered;
    private int registeredFd = -1;
    private @Nullable ByteBuffer ownPollfd;
    // owned by the poll(2) poller's thread
    private int pollIndex = -1;

    Waiter(Poller poller, Runnable resume) {
        this.poller = poller;
        this.resume = resume;
        this.id = poller.nextId();
    }

    long id() {
        return id;
    }

    /**
     * @param events {@link Posix#POLLIN} or {@link Posix#POLLOUT}, possibly with {@link #PROBE}
     * @return the {@code revents} of {@code fd} (positive, possibly {@link #PROBE} alone),
     *     {@link #CANCELLED} or {@link #PENDING}
     */
    int await(int fd, int events) throws IOException {
        if (cancelled) {
            return CANCELLED; // even with an answer at hand: a cancelled subscription reads nothing more
        }
        int ready = takeAnswer();
        if (ready != 0) {
            return ready;
        }
        if (armed) {
            ready = takeAnswer(); // the answer may have come between the two looks
            return ready != 0 ? ready : PENDING;
        }
        if (chatty && mayLingerHere() && tryStartLinger()) {
            int revents;
            long lingerStart = System.nanoTime();
            try {
                revents = lingerInPoll(fd, events & 0xFFFF);
            } finally {
                LINGERING.decrementAndGet();
            }
            if (cancelled) {
                return CANCELLED; // a cancel cannot wake this poll; it must not be followed by a read or write
            }
            if (revents != 0) {
                chatty = System.nanoTime() - lingerStart < CHATTY_NANOS;
                return revents;
            }
            chatty = false;
        }
        if (!registered) {
            poller.register(this);
            registered = true;
        }
        int next = (sequence + 1) & SEQUENCE_MASK;
        sequence = next;
        armedAt = System.nanoTime();
        armed = true;
        try {
            poller.arm(this, fd, events, next);
        } catch (IOException | RuntimeException e) {
            armed = false;
            throw e;
        }
        return PENDING;
    }

    private int takeAnswer() throws IOException {
        int ready = readyEvents;
        if (ready == 0) {
            return 0;
        }
        readyEvents = 0;
        Throwable failure = pollerFailure;
        if (failure != null) {
            throw new IOException("the reactor-fifo poller thread failed", failure);
        }
        return ready;
    }

    /** @return revents, or 0 if nothing came within the linger */
    private int lingerInPoll(int fd, int events) throws IOException {
        ByteBuffer pollfd = ownPollfd;
        if (pollfd == null) {
            pollfd = Posix.allocatePollFds(1);
            ownPollfd = pollfd;
        }
        Posix.setPollFd(pollfd, 0, fd, events);
        int n = Posix.poll(pollfd, 1, CHATTY_LINGER_MILLIS);
        if (n == -Posix.EINTR || n == 0) {
            return 0;
        }
        if (n < 0) {
            throw new IOException("poll(2) failed: " + Posix.describe(-n));
        }
        return Posix.pollRevents(pollfd, 0);
    }

    /** Never on a virtual thread (the native poll would pin its carrier) nor on a non-blocking one. */
    private static boolean mayLingerHere() {
        return !Schedulers.isInNonBlockingThread() && !isVirtual(Thread.currentThread());
    }

    /** Takes one of the {@link #LINGER_BUDGET} slots, if one is free: the count never exceeds it, even for a moment. */
    private static boolean tryStartLinger() {
        for (;;) {
            int n = LINGERING.get();
            if (n >= LINGER_BUDGET) {
                return false;
            }
            if (LINGERING.compareAndSet(n, n + 1)) {
                return true;
            }
        }
    }

    /** Threads lingering right now; for tests. */
    static int lingeringNow() {
        return LINGERING.get();
    }

    static boolean isVirtual(Thread thread) {
        MethodHandle h = IS_VIRTUAL;
        if (h == null) {
            return false; // JDK 17-20: there are no virtual threads
        }
        try {
            return (boolean) h.invokeExact(thread);
        } catch (Throwable e) {
            return false;
        }
    }

    private static @Nullable MethodHandle isVirtualHandle() {
        try {
            return MethodHandles.publicLookup().findVirtual(Thread.class, "isVirtual", MethodType.methodType(boolean.class));
        } catch (ReflectiveOperationException e) {
            return null;
        }
    }

    /**
     * Waits about {@code millis} ms on a timer, holding no thread.
     *
     * @return {@link #ELAPSED}, {@link #CANCELLED} or {@link #PENDING}
     */
    int pause(int millis) {
        if (cancelled) {
            return CANCELLED; // even when the pause is over: a cancelled writer opens nothing more
        }
        if (pauseElapsed) {
            pauseElapsed = false;
            return ELAPSED;
        }
        synchronized (this) {
            if (cancelled) {
                return CANCELLED;
            }
            timer = Schedulers.parallel().schedule(() -> {
                pauseElapsed = true;
                resume.run();
            }, millis, TimeUnit.MILLISECONDS);
        }
        return PENDING;
    }

    /** The poller's answer to arm number {@code answered}; ignored unless that arm is the current one. */
    void fire(int revents, int answered) {
        if (answered != sequence || !armed) {
            return; // an answer for a descriptor closed since, or a duplicate
        }
        chatty = System.nanoTime() - armedAt < CHATTY_NANOS;
        readyEvents = revents; // before armed is cleared: see await
        armed = false;
        resume.run();
    }

    /** The poller thread died: the next wait throws an IOException with {@code failure}. */
    void failed(Throwable failure) {
        pollerFailure = failure;
        readyEvents = Posix.POLLERR;
        armed = false;
        resume.run();
    }

    /** Cancels the current and every later wait. Any thread, any number of times. */
    void wakeup() {
        cancelled = true;
        Disposable t;
        synchronized (this) {
            t = timer;
            timer = null;
        }
        if (t != null) {
            t.dispose();
        }
    }

    /** Closes {@code fd}, first making sure the poller will not answer for it any more. */
    void closeDescriptor(int fd) {
        if (registered) {
            sequence = (sequence + 1) & SEQUENCE_MASK; // an answer already on its way is stale now
            armed = false;
            poller.forget(this, fd);
        }
        Posix.close(fd);
    }

    /** Ends the waiter after its descriptors are closed: no thread stays for it. */
    void close() {
        wakeup();
        if (registered) {
            registered = false;
            poller.unregister(this);
        }
    }

    // for the pollers
    int registeredFd() {
        return registeredFd;
    }

    void registeredFd(int fd) {
        registeredFd = fd;
    }

    int pollIndex() {
        return pollIndex;
    }

    void pollIndex(int index) {
        pollIndex = index;
    }
}
