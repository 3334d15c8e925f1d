package dev.reactorfifo.bench;

import java.nio.file.Path;
import jnr.constants.platform.Fcntl;
import jnr.constants.platform.OpenFlags;
import jnr.posix.POSIX;
import jnr.posix.POSIXFactory;

/**
 * A never-read descriptor the harness holds on a FIFO: to raise its pipe capacity with
 * {@code fcntl(F_SETPIPE_SZ)} for the duration of one transfer ({@link #raise}), or to look at how
 * many bytes the pipe holds ({@link #hold}, {@link #unreadBytes}).
 * The capacity belongs to the pipe, which lives while any descriptor on the FIFO is open, so the
 * harness holds a non-blocking read descriptor (which it never reads from) while the writer and
 * the reader under test come and go. The library has no such option yet; this shows what one
 * would be worth without touching its code.
 */
final class PipeSize implements AutoCloseable {

    private static POSIX posix;
    private static PipeLibC libc;

    /** {@code FIONREAD} on Linux x86 and ARM. */
    private static final long FIONREAD = 0x541B;

    private final int fd;

    private PipeSize(int fd) {
        this.fd = fd;
    }

    static synchronized POSIX posix() {
        if (posix == null) {
            posix = POSIXFactory.getNativePOSIX();
        }
        return posix;
    }

    static synchronized PipeLibC libc() {
        if (libc == null) {
            libc = jnr.ffi.LibraryLoader.create(PipeLibC.class).load("c");
        }
        return libc;
    }

    /**
     * Opens a non-blocking read descriptor that is never read from: the pipe then exists (and a
     * writer's blocking open returns) without anyone taking its bytes.
     */
    static PipeSize hold(Path fifo) {
        POSIX p = posix();
        int fd = p.open(fifo.toString(), OpenFlags.O_RDONLY.intValue() | OpenFlags.O_NONBLOCK.intValue()
                | OpenFlags.O_CLOEXEC.intValue(), 0);
        if (fd < 0) {
            throw new IllegalStateException("open " + fifo + ": errno " + p.errno());
        }
        return new PipeSize(fd);
    }

    /** @return {@code ioctl(FIONREAD)}: the bytes written into the pipe and not read yet */
    int unreadBytes() {
        int[] n = new int[1];
        if (libc().ioctl(fd, FIONREAD, n) < 0) {
            throw new IllegalStateException("ioctl(FIONREAD): errno " + posix().errno());
        }
        return n[0];
    }

    /** @return {@code fcntl(F_GETPIPE_SZ)}: the pipe's capacity in bytes */
    int capacity() {
        return posix().fcntl(fd, Fcntl.F_GETPIPE_SZ);
    }

    static PipeSize raise(Path fifo, int bytes) {
        PipeSize held = hold(fifo);
        int rc = posix().fcntlInt(held.fd, Fcntl.F_SETPIPE_SZ, bytes);
        if (rc < bytes) {
            int errno = posix().errno();
            held.close();
            throw new IllegalStateException("F_SETPIPE_SZ " + bytes + " on " + fifo + " gave " + rc
                    + " (errno " + errno + "; see /proc/sys/fs/pipe-max-size)");
        }
        return held;
    }

    @Override
    public void close() {
        posix().close(fd);
    }
}
