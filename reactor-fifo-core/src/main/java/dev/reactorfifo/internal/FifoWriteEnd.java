package dev.reactorfifo.internal;

import dev.reactorfifo.NoReaderException;
import dev.reactorfifo.NotAFifoException;
import java.io.IOException;
import java.nio.ByteBuffer;
import jnr.posix.FileStat;
import org.jspecify.annotations.Nullable;

/**
 * The write end of a FIFO, opened and kept non-blocking: no thread ever blocks in
 * {@code open(2)} or {@code write(2)}; waits for a reader or for room in the pipe happen in
 * {@link WakeablePoller#await}, where they can be cancelled.
 *
 * <p>Not thread-safe: one writing thread at a time.
 */
final class FifoWriteEnd implements AutoCloseable {

    /** Outcome of {@link #writeFully}. */
    enum Result { WRITTEN, CANCELLED, BROKEN }

    /** A reader that appears is noticed within this many milliseconds. */
    static final int MAX_BACKOFF_MILLIS = 10;

    private final WakeablePoller poller;
    private final String path;
    private int fd;

    private FifoWriteEnd(String path, WakeablePoller poller, int fd) {
        this.path = path;
        this.poller = poller;
        this.fd = fd;
    }

    /**
     * Opens {@code path} for writing. While nobody reads, {@code open(O_WRONLY|O_NONBLOCK)} fails
     * with ENXIO and there is no descriptor to poll, so it is retried with a backoff from 1 to
     * {@value #MAX_BACKOFF_MILLIS} ms, sleeping in the poller so that cancellation is immediate.
     * Opening the read end ourselves to get past a blocking open would kill an unrelated writer
     * waiting on the same FIFO with SIGPIPE.
     *
     * @return the open end, or {@code null} if the poller was woken (cancelled) while waiting
     * @throws NoReaderException if nobody reads and {@code awaitReader} is false
     */
    static @Nullable FifoWriteEnd open(String path, WakeablePoller poller, boolean awaitReader) throws IOException {
        Errors.requireFifo(path);
        int backoff = 1;
        for (;;) {
            int fd = Posix.openForWriting(path);
            if (fd >= 0) {
                requireFifoDescriptor(path, fd);
                return new FifoWriteEnd(path, poller, fd);
            }
            if (-fd != Posix.ENXIO) {
                throw Errors.toException(-fd, path, "open");
            }
            Errors.requireFifo(path); // a Unix socket gives ENXIO too, whoever listens
            if (!awaitReader) {
                throw new NoReaderException(path + ": no process has the FIFO open for reading");
            }
            if (poller.await(-1, 0, backoff) == WakeablePoller.WOKEN) {
                return null;
            }
            backoff = Math.min(backoff * 2, MAX_BACKOFF_MILLIS);
        }
    }

    private static void requireFifoDescriptor(String path, int fd) throws IOException {
        FileStat stat = Posix.newStat();
        int rc = Posix.fstat(fd, stat);
        if (rc < 0 || !stat.isFifo()) {
            Posix.close(fd);
            if (rc < 0) {
                throw Errors.toException(-rc, path, "fstat");
            }
            throw new NotAFifoException(path, Errors.describeType(stat));
        }
    }

    /** @return PIPE_BUF: the largest write the kernel keeps atomic (never interleaved) */
    int pipeBuf() {
        return Posix.pipeBuf(fd);
    }

    /**
     * Writes {@code buffer[0, length)}, waiting in poll for room when the pipe is full. A write of
     * at most PIPE_BUF bytes is all or nothing on a non-blocking descriptor; a longer one may be
     * partial and is continued.
     */
    Result writeFully(ByteBuffer buffer, int length) throws IOException {
        int offset = 0;
        try {
            while (offset < length) {
                buffer.position(offset); // jnr writes from position() and does not advance it
                int n = Posix.write(fd, buffer, length - offset);
                if (n >= 0) {
                    offset += n;
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
                int revents = poller.await(fd, Posix.POLLOUT, -1);
                if (revents == WakeablePoller.WOKEN) {
                    return Result.CANCELLED;
                }
                if ((revents & Posix.POLLERR) != 0) {
                    return Result.BROKEN; // the last reader closed while we waited for room
                }
            }
            return Result.WRITTEN;
        } finally {
            buffer.position(0);
        }
    }

    @Override
    public void close() {
        if (fd >= 0) {
            Posix.close(fd);
            fd = -1;
        }
    }
}
