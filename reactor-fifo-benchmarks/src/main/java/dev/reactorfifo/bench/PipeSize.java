package dev.reactorfifo.bench;

import java.nio.file.Path;
import jnr.constants.platform.Fcntl;
import jnr.constants.platform.OpenFlags;
import jnr.posix.POSIX;
import jnr.posix.POSIXFactory;

/**
 * Raises a FIFO's pipe capacity with {@code fcntl(F_SETPIPE_SZ)} for the duration of one transfer.
 * The capacity belongs to the pipe, which lives while any descriptor on the FIFO is open, so the
 * harness holds a non-blocking read descriptor (which it never reads from) while the writer and
 * the reader under test come and go. The library has no such option yet; this shows what one
 * would be worth without touching its code.
 */
final class PipeSize implements AutoCloseable {

    private static POSIX posix;

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

    static PipeSize raise(Path fifo, int bytes) {
        POSIX p = posix();
        int fd = p.open(fifo.toString(), OpenFlags.O_RDONLY.intValue() | OpenFlags.O_NONBLOCK.intValue()
                | OpenFlags.O_CLOEXEC.intValue(), 0);
        if (fd < 0) {
            throw new IllegalStateException("open " + fifo + ": errno " + p.errno());
        }
        int rc = p.fcntlInt(fd, Fcntl.F_SETPIPE_SZ, bytes);
        if (rc < bytes) {
            p.close(fd);
            throw new IllegalStateException("F_SETPIPE_SZ " + bytes + " on " + fifo + " gave " + rc
                    + " (errno " + p.errno() + "; see /proc/sys/fs/pipe-max-size)");
        }
        return new PipeSize(fd);
    }

    @Override
    public void close() {
        posix().close(fd);
    }
}
