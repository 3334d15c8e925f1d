package dev.reactorfifo.internal;

import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * The read end of a FIFO, opened non-blocking, so that no thread ever blocks in {@code open(2)}
 * or {@code read(2)}: every wait goes through the subscription's {@link Waiter}, which holds no
 * thread and can be cancelled.
 *
 * <p>Not thread-safe: one reading thread at a time. Only {@link Waiter#wakeup()} may be called
 * from elsewhere.
 */
final class FifoReadEnd implements AutoCloseable {

    /** {@link #read} result when the read was cancelled. */
    static final int CANCELLED = Waiter.CANCELLED;
    /** {@link #read} result when nothing is ready: the waiter resumes the caller later. */
    static final int PENDING = Waiter.PENDING;

    private final String path;
    private final boolean noFollow;
    private final Waiter waiter;
    private int fd;
    /**
     * Whether poll reported this descriptor ready at least once. Until then a read returning 0
     * means "no writer yet", not EOF, so we must poll first; afterwards 0 is EOF and reading
     * first saves a poll per chunk while data flows.
     */
    private boolean ready;
    /**
     * The last read returned less than asked: the pipe was empty then, so reading again at once
     * would most likely cost an EAGAIN; wait in poll first. While data streams, reads fill the
     * buffer and no poll is made.
     */
    private boolean drained;
    /**
     * Follow mode only: after the poller answered with {@code POLLHUP} (the last writer had
     * closed), how many bytes those writers left in the pipe, still to read before their EOF; -1
     * when not counting. See {@link #bytesLeftByGoneWriters()}. Without follow mode the stream
     * just reads on: reporting EOF there would close the last read end under a connected writer.
     */
    private long goneWritersBytes = -1;
    private final boolean follow;

    private FifoReadEnd(String path, boolean noFollow, boolean follow, Waiter waiter, int fd) {
        this.path = path;
        this.noFollow = noFollow;
        this.follow = follow;
        this.waiter = waiter;
        this.fd = fd;
    }

    /**
     * Opens {@code path} for reading without waiting for a writer.
     *
     * @param noFollow refuse a symbolic link at the path (lstat, {@code O_NOFOLLOW})
     * @throws java.nio.file.NoSuchFileException, java.nio.file.AccessDeniedException,
     *     NotAFifoException (decided on the opened descriptor too)
     * @param follow the subscription follows successive writers (see {@link #goneWritersBytes})
     */
    static FifoReadEnd open(String path, boolean noFollow, boolean follow, Waiter waiter) throws IOException {
        return new FifoReadEnd(path, noFollow, follow, waiter, openChecked(path, noFollow));
    }

    private static int openChecked(String path, boolean noFollow) throws IOException {
        // Check the path first, so a device or socket is never even opened; then check the descriptor,
        // so a path swapped between the two steps is caught as well.
        Errors.requireFifo(path, noFollow);
        int fd = Posix.openForReading(path, noFollow);
        if (fd < 0) {
            if (-fd == Posix.ENXIO) {
                Errors.requireFifo(path, noFollow); // a socket swapped in: ENXIO whatever the flags
            }
            throw Errors.openFailed(-fd, path, noFollow);
        }
        Errors.requireFifoDescriptor(path, fd);
        return fd;
    }

    /**
     * Reads up to {@code length} bytes into {@code buffer} at position 0, or arms the waiter when
     * there is nothing to read yet.
     *
     * @return the number of bytes read, 0 at EOF (the last writer closed), {@link #CANCELLED}, or
     *     {@link #PENDING} (the waiter resumes the caller when the FIFO is ready)
     */
    int read(ByteBuffer buffer, int length) throws IOException {
        for (;;) {
            if (ready && !drained) {
                boolean counting = goneWritersBytes >= 0;
                if (counting && goneWritersBytes == 0) {
                    goneWritersBytes = -1;
                    return 0; // every byte of the writers that hung up is read: their EOF
                }
                int n = Posix.read(fd, buffer, counting ? (int) Math.min(length, goneWritersBytes) : length);
                if (n > 0) {
                    if (counting) {
                        goneWritersBytes -= n;
                    } else {
                        drained = n < length;
                    }
                    return n;
                }
                if (n == 0) {
                    goneWritersBytes = -1;
                    return 0;
                }
                if (-n == Posix.EINTR) {
                    continue;
                }
                if (-n != Posix.EAGAIN) {
                    throw Errors.toException(-n, path, "read");
                }
                if (counting) {
                    goneWritersBytes = -1; // another reader of the FIFO took the counted bytes
                    return 0;
                }
            }
            // once a writer was seen, the poll(2) poller may probe: a read then finds an EOF that
            // poll did not report (macOS); before that, a read of 0 would only mean "no writer yet"
            int revents = waiter.await(fd, Posix.POLLIN | (ready ? Waiter.PROBE : 0));
            if (revents == CANCELLED || revents == PENDING) {
                return revents;
            }
            if ((revents & (Posix.POLLIN | Posix.POLLHUP)) != 0) {
                ready = true;
                drained = false;
                if (follow && (revents & Posix.POLLHUP) != 0) {
                    goneWritersBytes = bytesLeftByGoneWriters();
                }
            } else if (revents == Waiter.PROBE) {
                drained = false;
            } else if ((revents & (Posix.POLLERR | Posix.POLLNVAL)) != 0) {
                throw new IOException(path + ": poll(2) reported an error on the read end (revents 0x"
                        + Integer.toHexString(revents) + ")");
            }
        }
    }

    /**
     * Follow mode, at a hang-up: counts what the writers that hung up left in the pipe, so that
     * their EOF comes after exactly those bytes and no byte of a next writer joins them. The count
     * first, then a look whether a writer is connected: if none is, every byte counted is the gone
     * writers' (one that came and went in between wrote after the count, and its bytes are read
     * after the EOF, as the next stream). If one is, it connected before the count and may have
     * written already (the count is taken twice around the look, so one that wrote between them
     * and left counts as connected): where the gone writers' bytes end cannot be told, so no EOF is made here and
     * the stream goes on with that writer, whose first line may then be glued to the last one's
     * fragment. An EOF in the middle of what it wrote would split one of its lines instead.
     *
     * @return the bytes to read before the EOF, or -1 when a writer is connected (or the
     *     system cannot count)
     */
    private long bytesLeftByGoneWriters() {
        return bytesLeftByGoneWriters(fd);
    }

    private static long bytesLeftByGoneWriters(int fd) {
        int unread = Posix.unreadBytes(fd);
        if (unread < 0) {
            return -1;
        }
        int revents = Posix.pollNow(fd, Posix.POLLIN);
        if (revents <= 0 || (revents & Posix.POLLHUP) == 0) {
            return -1;
        }
        // counted again: a writer connected at the first count that wrote more and left before
        // the look would otherwise have its line's start counted and its end read after the EOF
        return Posix.unreadBytes(fd) == unread ? unread : -1;
    }

    /**
     * Reads without ever waiting: only on a descriptor that has already been ready (before that,
     * 0 would mean "no writer yet", not EOF).
     *
     * @return bytes read, 0 at EOF, or -1 when nothing can be read now
     */
    int readIfReady(ByteBuffer buffer) throws IOException {
        if (!ready) {
            return -1;
        }
        for (;;) {
            int n = Posix.read(fd, buffer, buffer.capacity());
            if (n >= 0) {
                return n;
            }
            if (-n == Posix.EAGAIN) {
                return -1;
            }
            if (-n != Posix.EINTR) {
                throw Errors.toException(-n, path, "read");
            }
        }
    }

    /**
     * Moves to a fresh descriptor after EOF, to wait for the next writer. The new descriptor is
     * opened before the old one is closed: while any read descriptor is open the pipe and its
     * buffer live on, so a writer that comes and goes in between is not lost.
     *
     * @throws java.nio.file.NoSuchFileException if the path is gone
     */
    void reopen() throws IOException {
        int next = openChecked(path, noFollow);
        // a writer that came and went since the last hang-up, before `next` was opened: `next`
        // will never report its hang-up (Linux counts only writers that connect after an open
        // with none connected), so its EOF is counted here, on the old descriptor, while it lasts
        long left = bytesLeftByGoneWriters(fd);
        waiter.closeDescriptor(fd);
        fd = next;
        ready = left > 0;
        drained = false;
        goneWritersBytes = left > 0 ? left : -1;
    }

    @Override
    public void close() {
        if (fd >= 0) {
            waiter.closeDescriptor(fd);
            fd = -1;
        }
    }
}
