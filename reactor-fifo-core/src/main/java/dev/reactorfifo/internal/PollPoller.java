package dev.reactorfifo.internal;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.jspecify.annotations.Nullable;

/**
 * The portable poller, for POSIX systems without epoll (and on Linux when forced, for tests): one
 * {@code poll(2)} over an array of {@code struct pollfd} that only the poller thread touches.
 * Other threads post their arms and forgets to a queue and wake the thread through a pipe; the
 * thread applies them one by one (an arm appends, a forget or an answer swaps the last entry
 * into the hole), so nothing is rebuilt per wake-up, though {@code poll} itself scans the whole
 * array.
 *
 * <p>Waits are bounded by {@value #PROBE_MILLIS} ms, after which every reader that has seen a
 * writer gets a {@link Waiter#PROBE} answer and tries a {@code read()}: macOS's {@code poll} is
 * reported not to signal the last writer's close on a FIFO, and the read finds that EOF anyway.
 */
final class PollPoller extends Poller {

    static final int PROBE_MILLIS = 100;

    /** An arm ({@code fd >= 0}) or a forget ({@code fd < 0}) posted to the poller thread. */
    private static final class Change {
        final Waiter waiter;
        final int fd;
        final int events;
        final int sequence;

        Change(Waiter waiter, int fd, int events, int sequence) {
            this.waiter = waiter;
            this.fd = fd;
            this.events = events;
            this.sequence = sequence;
        }
    }

    private final ConcurrentLinkedQueue<Change> changes = new ConcurrentLinkedQueue<>();
    private final AtomicBoolean wakePending = new AtomicBoolean();
    private final ByteBuffer wakeByte = ByteBuffer.allocateDirect(1);
    private final ByteBuffer drainBuffer = ByteBuffer.allocateDirect(64);
    /** Guards the wake-up pipe's write end, so that a wake never writes into a number closed and reused since. */
    private final Object wakeLock = new Object();
    private int wakeRead = -1; // owned by the poller thread
    private int wakeWrite = -1; // guarded by wakeLock

    // owned by the poller thread; entry 0 is the wake-up pipe
    private ByteBuffer pollfds = Posix.allocatePollFds(64);
    private @Nullable Waiter[] entries = new Waiter[64];
    private int[] entryEvents = new int[64];
    private int[] entrySequences = new int[64];
    private int count;
    private long lastProbe = System.nanoTime();

    @Override
    void open() throws IOException {
        int[] pipe = Posix.wakeupPipe();
        synchronized (wakeLock) {
            wakeWrite = pipe[1];
        }
        wakeRead = pipe[0];
        // a fresh array: what the last thread left (forgets it never applied) belongs to closed waiters
        Arrays.fill(entries, null);
        count = 1;
        Posix.setPollFd(pollfds, 0, wakeRead, Posix.POLLIN);
        changes.clear();
        wakePending.set(false);
    }

    @Override
    void closed() {
        synchronized (wakeLock) {
            if (wakeWrite >= 0) {
                Posix.close(wakeWrite);
            }
            wakeWrite = -1;
        }
        if (wakeRead >= 0) {
            Posix.close(wakeRead);
        }
        wakeRead = -1;
    }

    @Override
    void arm(Waiter waiter, int fd, int events, int sequence) {
        changes.add(new Change(waiter, fd, events, sequence));
        wake();
    }

    @Override
    void forget(Waiter waiter, int fd) {
        changes.add(new Change(waiter, -1, 0, 0));
        wake();
    }

    private void wake() {
        if (wakePending.compareAndSet(false, true)) {
            synchronized (wakeLock) {
                if (wakeWrite >= 0) { // else no thread runs: the next one starts from a clean slate
                    Posix.write(wakeWrite, wakeByte, 1); // EAGAIN: the pipe is full of wake-ups already
                }
            }
        }
    }

    @Override
    void waitAndFire(int timeoutMillis) throws IOException {
        applyChanges();
        int n = Posix.poll(pollfds, count, Math.min(timeoutMillis, PROBE_MILLIS));
        if (n < 0 && n != -Posix.EINTR) {
            throw new IOException("poll(2) failed: " + Posix.describe(-n));
        }
        if (n > 0) {
            if (Posix.pollRevents(pollfds, 0) != 0) {
                while (Posix.read(wakeRead, drainBuffer, drainBuffer.capacity()) > 0) {
                    // empty the wake-up pipe: it has done its job
                }
                // after emptying it, never before: a wake that won the flag in between would
                // have its byte swallowed and leave the flag set with an empty pipe, so that no
                // later wake ever writes again; this way its change is applied before the next poll
                wakePending.set(false);
            }
            for (int i = count - 1; i >= 1; i--) { // backwards: removing swaps in an entry already looked at
                int revents = Posix.pollRevents(pollfds, i);
                if (revents != 0) {
                    fireAndRemove(i, revents);
                }
            }
        }
        long now = System.nanoTime();
        if (now - lastProbe >= TimeUnit.MILLISECONDS.toNanos(PROBE_MILLIS)) {
            lastProbe = now;
            for (int i = count - 1; i >= 1; i--) {
                if ((entryEvents[i] & Waiter.PROBE) != 0) {
                    fireAndRemove(i, Waiter.PROBE);
                }
            }
        }
    }

    private void applyChanges() {
        for (Change c; (c = changes.poll()) != null; ) {
            Waiter w = c.waiter;
            int at = w.pollIndex();
            if (c.fd < 0) {
                if (at > 0) {
                    remove(at);
                }
                continue;
            }
            if (at <= 0) {
                at = append(w);
            }
            Posix.setPollFd(pollfds, at, c.fd, c.events & 0xFFFF);
            entryEvents[at] = c.events;
            entrySequences[at] = c.sequence;
        }
    }

    private int append(Waiter w) {
        if (count == entries.length) {
            int grown = count * 2;
            ByteBuffer bigger = Posix.allocatePollFds(grown);
            for (int i = 0; i < count; i++) {
                Posix.setPollFd(bigger, i, Posix.pollFd(pollfds, i), pollfds.getShort(i * Posix.POLLFD_SIZE + 4));
            }
            pollfds = bigger;
            entries = Arrays.copyOf(entries, grown);
            entryEvents = Arrays.copyOf(entryEvents, grown);
            entrySequences = Arrays.copyOf(entrySequences, grown);
        }
        int at = count++;
        entries[at] = w;
        w.pollIndex(at);
        return at;
    }

    private void fireAndRemove(int at, int revents) {
        Waiter w = entries[at];
        int sequence = entrySequences[at];
        remove(at);
        fireSafely(w, revents, sequence);
    }

    private void remove(int at) {
        Waiter gone = entries[at];
        int last = --count;
        if (at != last) {
            Waiter moved = entries[last];
            Posix.setPollFd(pollfds, at, Posix.pollFd(pollfds, last), pollfds.getShort(last * Posix.POLLFD_SIZE + 4));
            entries[at] = moved;
            entryEvents[at] = entryEvents[last];
            entrySequences[at] = entrySequences[last];
            moved.pollIndex(at);
        }
        entries[last] = null;
        gone.pollIndex(-1);
    }
}
