package dev.reactorfifo.internal;

import dev.reactorfifo.NoReaderException;
import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * The write end of a FIFO, opened and kept non-blocking: no thread ever blocks in
 * {@code open(2)} or {@code write(2)}; waits for a reader or for room in the pipe go through the
 * subscription's {@link Waiter}, which holds no thread and can be cancelled.
 *
 * <p>Not thread-safe: one writing thread at a time.
 */
final class FifoWriteEnd implements AutoCloseable {

    /** Outcome of {@link #write}. */
    enum Result { WRITTEN, CANCELLED, PENDING, BROKEN }

    /**
     * A reader that appears while a writer has waited less than {@link #PATIENT_AFTER_MILLIS} is
     * noticed within this many milliseconds.
     */
    static final int MAX_BACKOFF_MILLIS = 10;
    /**
     * After that, within this many. Each try costs two thread hand-offs (the timer's, then the
     * scheduler's) and two system calls, about 40 µs of CPU here: measured, 100 writers waiting at
     * the 10 ms backoff used 39 % of a CPU, 500 of them 147 %, so a backoff that stayed at 10 ms
     * would not hold at a thousand FIFOs waiting for their readers.
     */
    static final int MAX_PATIENT_BACKOFF_MILLIS = 200;
    /** How long a writer waits for a reader at the short backoff before it grows. */
    static final int PATIENT_AFTER_MILLIS = 1000;

    private final Waiter waiter;
    private final String path;
    private int fd;
    /** How much of the range passed to {@link #write} is written, when a write is resumed. */
    private int written;

    private FifoWriteEnd(String path, Waiter waiter, int fd) {
        this.path = path;
        this.waiter = waiter;
        this.fd = fd;
    }

    /**
     * Retries opening a FIFO that has no reader yet. While nobody reads,
     * {@code open(O_WRONLY|O_NONBLOCK)} fails with ENXIO and there is no descriptor to poll, so
     * the open is retried with a backoff from 1 to {@value #MAX_BACKOFF_MILLIS} ms (after
     * {@value #PATIENT_AFTER_MILLIS} ms of waiting, up to {@value #MAX_PATIENT_BACKOFF_MILLIS} ms), paused on a
     * timer of the waiter, which holds no thread and is cancelled at once. Opening the read end ourselves to get past a
     * blocking open would kill an unrelated writer waiting on the same FIFO with SIGPIPE.
     */
    static final class Opener {
        private final String path;
        private final Waiter waiter;
        private final boolean awaitReader;
        private final boolean noFollow;
        private int backoff = 1;
        /** When the first pause for a reader began (System.nanoTime), if one did. */
        private long refusedSince;
        private boolean refused;
        private boolean checked;
        private int lastPause;

        /** @param noFollow refuse a symbolic link at the path (lstat, {@code O_NOFOLLOW}) */
        Opener(String path, Waiter waiter, boolean awaitReader, boolean noFollow) {
            this.path = path;
            this.waiter = waiter;
            this.awaitReader = awaitReader;
            this.noFollow = noFollow;
        }

        /**
         * @param giveUp asked before each pause: true stops waiting for a reader
         * @return the open end, or {@code null} when cancelled, given up or pending (the waiter
         *     resumes the caller, which calls again); {@link #cancelled()} tells cancellation apart
         * @throws NoReaderException if nobody reads and {@code awaitReader} is false
         */
        FifoWriteEnd tryOpen(java.util.function.BooleanSupplier giveUp) throws IOException {
            if (!checked) {
                Errors.requireFifo(path, noFollow);
                checked = true;
            }
            int fd = Posix.openForWriting(path, noFollow);
            if (fd >= 0) {
                Errors.requireFifoDescriptor(path, fd);
                return new FifoWriteEnd(path, waiter, fd);
            }
            if (-fd != Posix.ENXIO) {
                throw Errors.openFailed(-fd, path, noFollow);
            }
            Errors.requireFifo(path, noFollow); // a Unix socket gives ENXIO too, whoever listens
            if (!awaitReader) {
                throw new NoReaderException(path + ": no process has the FIFO open for reading");
            }
            if (giveUp.getAsBoolean()) {
                lastPause = Waiter.ELAPSED;
                return null;
            }
            int paused = waiter.pause(backoff);
            if (paused == Waiter.ELAPSED) {
                // the end of the last pause, which this try followed: the next pause begins now
                // (before, this looped and tried once more at once: two opens per pause)
                paused = waiter.pause(backoff);
            }
            if (paused == Waiter.PENDING) {
                backoff = Math.min(backoff * 2, longestPause());
            }
            lastPause = paused;
            return null;
        }

        private int longestPause() {
            if (!refused) {
                refused = true;
                refusedSince = System.nanoTime();
            }
            long waited = System.nanoTime() - refusedSince;
            return waited < java.util.concurrent.TimeUnit.MILLISECONDS.toNanos(PATIENT_AFTER_MILLIS)
                    ? MAX_BACKOFF_MILLIS : MAX_PATIENT_BACKOFF_MILLIS;
        }

        /** @return after {@link #tryOpen} returned null: whether it was cancelled (else pending) */
        boolean cancelled() {
            return lastPause == Waiter.CANCELLED;
        }
    }

    /** @return the bytes written into the pipe and not read yet, or -1 if the system cannot tell */
    int unreadBytes() {
        return Posix.unreadBytes(fd);
    }

    /** @return PIPE_BUF: the largest write the kernel keeps atomic (never interleaved) */
    int pipeBuf() {
        return Posix.pipeBuf(fd);
    }

    /**
     * Writes {@code buffer[from, to)} with one {@code write(2)} when it fits, or arms the poller
     * for room when the pipe is full. A write of at most PIPE_BUF bytes is all or nothing on a non-blocking
     * descriptor; a longer one may be partial and is continued. After {@link Result#PENDING} call
     * again with the same range: it continues where it stopped.
     *
     * @param onEmitter true on a line's emitting thread, which must not wait at all: a full pipe
     *     then arms the poller at once, without the chatty-pipe linger
     */
    Result write(ByteBuffer buffer, int from, int to, boolean onEmitter) throws IOException {
        int length = to - from;
        try {
            while (written < length) {
                buffer.position(from + written); // jnr writes from position() and does not advance it
                int n = Posix.write(fd, buffer, length - written);
                if (n >= 0) {
                    written += n;
                    continue;
                }
                int errno = -n;
                if (errno == Posix.EPIPE) {
                    return Result.BROKEN;
                }
                if (errno == Posix.EINTR) {
                    continue;
                }
                if (errno != Posix.EAGAIN) {
                    throw Errors.toException(errno, path, "write");
                }
                int revents = waiter.await(fd, Posix.POLLOUT, !onEmitter);
                if (revents == Waiter.CANCELLED) {
                    return Result.CANCELLED;
                }
                if (revents == Waiter.PENDING) {
                    return Result.PENDING;
                }
                if ((revents & Posix.POLLERR) != 0) {
                    return Result.BROKEN; // the last reader closed while we waited for room
                }
            }
            written = 0;
            return Result.WRITTEN;
        } finally {
            buffer.position(0);
        }
    }

    @Override
    public void close() {
        if (fd >= 0) {
            waiter.closeDescriptor(fd);
            fd = -1;
        }
    }
}
