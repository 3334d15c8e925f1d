package dev.reactorfifo.internal;

import java.io.IOException;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.nio.ByteBuffer;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLongFieldUpdater;
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
    private volatile @Nullable Throwable pollerFailure;
    /**
     * The arm and its answer in one word, so that no interleaving of the poller's {@link #fire}
     * with the drain's {@link #closeDescriptor} or next arm can hand an answer to the wrong
     * descriptor: bits 0-16 the answer ({@code revents} or {@link #PROBE}, 0 for none), bit 17
     * whether an arm is outstanding, bits 18-41 the current arm's sequence number. The poller
     * only ever moves it from "armed, sequence s" to "answered, sequence s" by compare-and-set.
     */
    private volatile long state;
    private static final AtomicLongFieldUpdater<Waiter> STATE = AtomicLongFieldUpdater.newUpdater(Waiter.class, "state");
    private static final long ANSWER = (1L << 17) - 1;
    private static final long ARMED = 1L << 17;
    private static final int SEQUENCE_SHIFT = 18;
    private volatile boolean chatty;
    private volatile long armedAt;
    private volatile boolean pauseElapsed;
    private @Nullable Disposable timer; // guarded by this
    // owned by the drain thread
    private boolean registered;
    private int registeredFd = -1;
    private @Nullable ByteBuffer ownPollfd;
    /** The descriptor of the latest arm, for diagnostics only (racy to read elsewhere). */
    private volatile int armedFd = -1;
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
        return await(fd, events, true);
    }

    /**
     * @param mayLinger false on a thread that must not wait at all (a line's emitting thread):
     *     the poller is armed at once, whatever the pipe's chattiness
     * @see #await(int, int)
     */
    int await(int fd, int events, boolean mayLinger) throws IOException {
        if (cancelled) {
            return CANCELLED; // even with an answer at hand: a cancelled subscription reads nothing more
        }
        long current = state;
        int answer = takeAnswer(current);
        if (answer != 0) {
            return answer;
        }
        if ((current & ARMED) != 0) {
            return PENDING; // an arm is outstanding: a drain that runs again for another reason arms nothing
        }
        if (mayLinger && chatty && mayLingerHere() && tryStartLinger()) {
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
        int next = (sequenceOf(current) + 1) & SEQUENCE_MASK;
        armedAt = System.nanoTime();
        if (!STATE.compareAndSet(this, current, ((long) next << SEQUENCE_SHIFT) | ARMED)) {
            return await(fd, events, mayLinger); // the poller thread failed meanwhile: take that answer
        }
        armedFd = fd;
        try {
            poller.arm(this, fd, events, next);
        } catch (IOException | RuntimeException e) {
            STATE.compareAndSet(this, ((long) next << SEQUENCE_SHIFT) | ARMED, (long) next << SEQUENCE_SHIFT);
            throw e;
        }
        return PENDING;
    }

    private static int sequenceOf(long state) {
        return (int) (state >>> SEQUENCE_SHIFT) & SEQUENCE_MASK;
    }

    /** @return the answer in {@code current}, taken (0 if there is none) */
    private int takeAnswer(long current) throws IOException {
        int answer = (int) (current & ANSWER);
        if (answer == 0) {
            return 0;
        }
        if (!STATE.compareAndSet(this, current, current & ~ANSWER)) {
            return takeAnswer(state); // only a poller failure can have changed it: take that
        }
        Throwable failure = pollerFailure;
        if (failure != null) {
            throw new IOException("the reactor-fifo poller thread failed", failure);
        }
        return answer;
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

    /**
     * Never on a virtual thread (the native poll would pin its carrier), on a non-blocking one, or
     * on the poller's own (a scheduler that runs tasks on the calling thread).
     */
    private static boolean mayLingerHere() {
        Thread current = Thread.currentThread();
        return !Schedulers.isInNonBlockingThread() && !isVirtual(current) && !Poller.isPollerThread(current);
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
            if (timer != null) {
                return PENDING; // a drain that runs again meanwhile (a line emitted) starts no second timer
            }
            timer = Schedulers.parallel().schedule(() -> {
                pauseElapsed = true; // before the timer is cleared: a drain in between sees the pause over
                synchronized (this) {
                    timer = null;
                }
                resume.run();
            }, millis, TimeUnit.MILLISECONDS);
        }
        return PENDING;
    }

    /** The poller's answer to arm number {@code answered}; dropped unless that arm is the current one. */
    void fire(int revents, int answered) {
        long armedState = ((long) answered << SEQUENCE_SHIFT) | ARMED;
        if (!STATE.compareAndSet(this, armedState, ((long) answered << SEQUENCE_SHIFT) | (revents & ANSWER))) {
            return; // an answer for a descriptor closed since, or a duplicate
        }
        chatty = System.nanoTime() - armedAt < CHATTY_NANOS;
        resume.run();
    }

    /** The poller thread died: the next wait throws an IOException with {@code failure}. */
    void failed(Throwable failure) {
        pollerFailure = failure;
        for (;;) {
            long current = state;
            long failedState = (current & ~(ARMED | ANSWER)) | Posix.POLLERR;
            if (STATE.compareAndSet(this, current, failedState)) {
                break;
            }
        }
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
            for (;;) { // a new sequence, unarmed, no answer: an answer on its way for fd is stale now
                long current = state;
                if (STATE.compareAndSet(this, current, (long) ((sequenceOf(current) + 1) & SEQUENCE_MASK) << SEQUENCE_SHIFT)) {
                    break;
                }
            }
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

    /** For diagnostics: which waiter, on which descriptor, in which state. */
    @Override
    public String toString() {
        long current = state;
        return "waiter " + id + " (fd " + armedFd + ", " + ((current & ARMED) != 0 ? "armed" : "not armed")
                + (cancelled ? ", cancelled" : "") + ")";
    }

    int armedFd() {
        return armedFd;
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
