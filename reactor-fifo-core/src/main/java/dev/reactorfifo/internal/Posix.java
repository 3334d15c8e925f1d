package dev.reactorfifo.internal;

import java.nio.ByteBuffer;
import jnr.constants.platform.Errno;
import jnr.constants.platform.Fcntl;
import jnr.constants.platform.OpenFlags;
import jnr.constants.platform.Pathconf;
import jnr.ffi.LastError;
import jnr.ffi.LibraryLoader;
import jnr.ffi.Pointer;
import jnr.ffi.Runtime;
import jnr.ffi.types.size_t;
import jnr.posix.FileStat;
import jnr.posix.POSIX;
import jnr.posix.POSIXFactory;
import org.jspecify.annotations.Nullable;

/**
 * The only class that calls jnr-posix and jnr-ffi. Calls that can fail return the negated errno
 * instead of throwing, so the callers decide what each errno means in their context (ENXIO is
 * "no reader" for a writer, "not a FIFO" for a socket) and {@link Errors} turns it into an
 * exception naming the path.
 *
 * <p>Loading is lazy and fails with {@link UnsupportedOperationException}, never with jnr-posix's
 * silent pure-Java fallback, whose {@code mkfifo}, {@code open} and {@code read} do not work.
 */
public final class Posix {

    public static final int POLLIN = 0x1;
    public static final int POLLOUT = 0x4;
    public static final int POLLERR = 0x8;
    public static final int POLLHUP = 0x10;
    public static final int POLLNVAL = 0x20;

    public static final int ENOENT = Errno.ENOENT.intValue();
    public static final int EINTR = Errno.EINTR.intValue();
    public static final int EAGAIN = Errno.EAGAIN.intValue();
    public static final int EACCES = Errno.EACCES.intValue();
    public static final int EPERM = Errno.EPERM.intValue();
    public static final int EEXIST = Errno.EEXIST.intValue();
    public static final int ENXIO = Errno.ENXIO.intValue();
    public static final int EPIPE = Errno.EPIPE.intValue();
    public static final int EISDIR = Errno.EISDIR.intValue();
    public static final int ENOTDIR = Errno.ENOTDIR.intValue();

    private static final int O_RDONLY = OpenFlags.O_RDONLY.intValue();
    private static final int O_WRONLY = OpenFlags.O_WRONLY.intValue();
    private static final int O_NONBLOCK = OpenFlags.O_NONBLOCK.intValue();
    private static final int O_CLOEXEC = OpenFlags.O_CLOEXEC.intValue();

    /** poll(2), which jnr-posix lacks. */
    public interface LibC {
        int poll(Pointer fds, @size_t long nfds, int timeout);
    }

    private static final class Native {
        static final POSIX POSIX;
        static final LibC LIBC;
        static final Runtime RUNTIME;
        static final @Nullable Throwable FAILURE;

        static {
            POSIX posix = null;
            LibC libc = null;
            Runtime runtime = null;
            Throwable failure = null;
            if (isWindows()) {
                failure = new UnsupportedOperationException("Windows named pipes are not POSIX FIFOs");
            } else {
                try {
                    posix = POSIXFactory.getNativePOSIX();
                    libc = LibraryLoader.create(LibC.class).load("c");
                    runtime = Runtime.getRuntime(libc);
                } catch (Throwable t) {
                    failure = t;
                }
            }
            POSIX = posix;
            LIBC = libc;
            RUNTIME = runtime;
            FAILURE = failure;
        }
    }

    private Posix() {
    }

    static boolean isWindows() {
        return System.getProperty("os.name", "").toLowerCase(java.util.Locale.ROOT).startsWith("windows");
    }

    /**
     * @return the native POSIX binding
     * @throws UnsupportedOperationException on Windows, or when the native library cannot load
     */
    public static POSIX posix() {
        POSIX posix = Native.POSIX;
        if (posix == null || !posix.isNative()) {
            Throwable failure = Native.FAILURE;
            String why = failure == null ? "jnr-posix fell back to its pure-Java implementation"
                    : failure.getMessage();
            UnsupportedOperationException e = new UnsupportedOperationException(
                    "reactor-fifo needs native POSIX calls (mkfifo, open, poll), which are not available here: "
                            + why + " (os.name=" + System.getProperty("os.name") + ")");
            if (failure != null && !(failure instanceof UnsupportedOperationException)) {
                e.initCause(failure);
            }
            throw e;
        }
        return posix;
    }

    static LibC libc() {
        posix();
        return Native.LIBC;
    }

    static Runtime runtime() {
        posix();
        return Native.RUNTIME;
    }

    /** @return the caller's effective user id */
    public static int geteuid() {
        return posix().geteuid();
    }

    static int errno() {
        return posix().errno();
    }

    /** @return a human description of {@code errno}, as strerror(3) gives it */
    public static String describe(int errno) {
        Errno e = Errno.valueOf(errno);
        return e != null && e.defined() ? e.description() : "errno " + errno;
    }

    /** @return 0, or the negated errno */
    public static int mkfifo(String path, int mode) {
        return posix().mkfifo(path, mode) < 0 ? -errno() : 0;
    }

    /** @return 0, or the negated errno */
    public static int chmod(String path, int mode) {
        return posix().chmod(path, mode) < 0 ? -errno() : 0;
    }

    /** @return 0, or the negated errno */
    public static int unlink(String path) {
        return posix().unlink(path) < 0 ? -errno() : 0;
    }

    /** stat(2), following symbolic links. @return 0, or the negated errno */
    public static int stat(String path, FileStat into) {
        return posix().stat(path, into) < 0 ? -errno() : 0;
    }

    /** lstat(2), not following symbolic links. @return 0, or the negated errno */
    public static int lstat(String path, FileStat into) {
        return posix().lstat(path, into) < 0 ? -errno() : 0;
    }

    /** @return 0, or the negated errno */
    static int fstat(int fd, FileStat into) {
        return posix().fstat(fd, into) < 0 ? -errno() : 0;
    }

    public static FileStat newStat() {
        return posix().allocateStat();
    }

    /** Opens {@code O_RDONLY|O_NONBLOCK|O_CLOEXEC}, which never blocks on a FIFO. @return fd or negated errno */
    static int openForReading(String path) {
        int fd = posix().open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC, 0);
        return fd < 0 ? -errno() : fd;
    }

    /** Opens {@code O_WRONLY|O_NONBLOCK|O_CLOEXEC}: ENXIO while nobody reads. @return fd or negated errno */
    static int openForWriting(String path) {
        int fd = posix().open(path, O_WRONLY | O_NONBLOCK | O_CLOEXEC, 0);
        return fd < 0 ? -errno() : fd;
    }

    /** Reads at {@code buf}'s position 0, which jnr does not advance. @return bytes, 0 at EOF, or negated errno */
    static int read(int fd, ByteBuffer buf, int length) {
        int n = posix().read(fd, buf, length);
        return n < 0 ? -errno() : n;
    }

    /** Writes from {@code buf}'s position, which jnr does not advance. @return bytes written, or negated errno */
    static int write(int fd, ByteBuffer buf, int length) {
        int n = posix().write(fd, buf, length);
        return n < 0 ? -errno() : n;
    }

    /** @return the number of ready descriptors, 0 on timeout, or the negated errno */
    static int poll(Pointer fds, int count, int timeoutMillis) {
        int n = libc().poll(fds, count, timeoutMillis);
        return n < 0 ? -LastError.getLastError(runtime()) : n;
    }

    static void close(int fd) {
        posix().close(fd);
    }

    /**
     * A pipe whose both ends are non-blocking and close-on-exec, so that child processes never
     * inherit it and a wake-up write can never block.
     *
     * @return {read end, write end}
     */
    static int[] wakeupPipe() throws java.io.IOException {
        POSIX posix = posix();
        int[] fds = new int[2];
        if (posix.pipe(fds) < 0) {
            throw new java.io.IOException("pipe(2) failed: " + describe(errno()));
        }
        for (int fd : fds) {
            posix.fcntlInt(fd, Fcntl.F_SETFD, 1 /* FD_CLOEXEC */);
            int flags = posix.fcntl(fd, Fcntl.F_GETFL);
            posix.fcntlInt(fd, Fcntl.F_SETFL, flags | O_NONBLOCK);
        }
        return fds;
    }

    /** @return PIPE_BUF for this descriptor: the largest write the kernel keeps atomic */
    static int pipeBuf(int fd) {
        int n = posix().fpathconf(fd, Pathconf._PC_PIPE_BUF);
        return n > 0 ? n : 512; // POSIX guarantees at least 512
    }
}
