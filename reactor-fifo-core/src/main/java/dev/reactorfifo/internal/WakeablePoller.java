package dev.reactorfifo.internal;

import java.io.IOException;
import java.nio.ByteBuffer;
import jnr.ffi.Memory;
import jnr.ffi.Pointer;

/**
 * Waits in {@code poll(2)} on one descriptor next to the read end of a private wake-up pipe.
 * {@link #wakeup()}, from any thread, writes a byte into that pipe: the waiter returns at once
 * and every later wait returns {@link #CANCELLED} too, so a wake-up is a latch for cancellation.
 *
 * <p>This is how a wait for a writer, for data or for room in the pipe is cancelled without
 * touching the FIFO itself, and so without side effects on other processes using it (opening
 * the opposite end, the usual trick, hands them false EOFs or SIGPIPE).
 *
 * <p>Thread-safety: {@link #await} is called by one thread at a time; {@link #wakeup()} and
 * {@link #close()} may race with it and with each other. The lock guarantees that a wake-up never
 * writes into a descriptor number that {@link #close()} has already released to the system
 * (and that another file may by then be using).
 */
final class WakeablePoller implements ReadinessWaiter {

    private static final int POLLFD_SIZE = 8; // int fd; short events; short revents

    private final int wakeRead;
    private final int wakeWrite;
    private final Pointer pollfds;
    private final ByteBuffer wakeByte = ByteBuffer.allocateDirect(1);
    private boolean closed; // guarded by this

    WakeablePoller() throws IOException {
        int[] fds = Posix.wakeupPipe();
        this.wakeRead = fds[0];
        this.wakeWrite = fds[1];
        this.pollfds = Memory.allocateDirect(Posix.runtime(), 2 * POLLFD_SIZE, true);
        pollfds.putInt(POLLFD_SIZE, wakeRead);
        pollfds.putShort(POLLFD_SIZE + 4, (short) Posix.POLLIN);
    }

    /**
     * Waits until {@code fd} reports one of {@code events} (or an error or hang-up), the timeout
     * passes, or {@link #wakeup()} is called.
     *
     * @param fd the descriptor to watch, or -1 to wait only for the timeout or a wake-up
     * @param timeoutMillis -1 to wait without limit
     * @return {@link #CANCELLED}, 0 on timeout, or the {@code revents} of {@code fd}
     */
    int await(int fd, int events, int timeoutMillis) throws IOException {
        pollfds.putInt(0, fd);
        pollfds.putShort(4, (short) events);
        for (;;) {
            pollfds.putShort(6, (short) 0);
            pollfds.putShort(POLLFD_SIZE + 6, (short) 0);
            int n = Posix.poll(pollfds, 2, timeoutMillis);
            if (n == -Posix.EINTR) {
                continue; // a signal, not an answer; a timed wait restarts its full timeout, which only backoff uses
            }
            if (n < 0) {
                throw new IOException("poll(2) failed: " + Posix.describe(-n));
            }
            if (pollfds.getShort(POLLFD_SIZE + 6) != 0) {
                return CANCELLED;
            }
            return n == 0 ? 0 : pollfds.getShort(6) & 0xFFFF;
        }
    }

    @Override
    public int await(int fd, int events) throws IOException {
        return await(fd, events, -1);
    }

    @Override
    public int pause(int millis) throws IOException {
        return await(-1, 0, millis); // poll ignores a negative descriptor: a sleep the wake-up pipe can end
    }

    @Override
    public void closeDescriptor(int fd) {
        Posix.close(fd); // only the calling thread ever polls it
    }

    /** Releases the current and every future {@link #await}. Safe from any thread, any number of times. */
    @Override
    public void wakeup() {
        synchronized (this) {
            if (!closed) {
                // EAGAIN means the pipe already holds wake-up bytes: the waiter is released either way
                Posix.write(wakeWrite, wakeByte, 1);
            }
        }
    }

    @Override
    public void close() {
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
            Posix.close(wakeRead);
            Posix.close(wakeWrite);
        }
    }
}
