package dev.reactorfifo.internal;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Locale;
import jnr.constants.platform.Errno;
import jnr.constants.platform.Fcntl;
import jnr.constants.platform.OpenFlags;
import jnr.constants.platform.Pathconf;
import jnr.ffi.LastError;
import jnr.ffi.LibraryLoader;
import jnr.ffi.Runtime;
import jnr.ffi.annotations.Out;
import jnr.ffi.types.size_t;
import jnr.ffi.types.u_int64_t;
import jnr.posix.FileStat;
import jnr.posix.POSIX;
import jnr.posix.POSIXFactory;
import org.jspecify.annotations.Nullable;

/**
 * The posix layer: the only class that calls jnr-posix and jnr-ffi. Everything it hands out is
 * an {@code int}, a {@link ByteBuffer} or a {@link FileStatus}, so no jnr type leaves it. Calls
 * that can fail return the negated errno instead of throwing, so the callers decide what each
 * errno means in their context (ENXIO is "no reader" for a writer, "not a FIFO" for a socket) and
 * {@link Errors} turns it into an exception naming the path.
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
    public static final int ELOOP = Errno.ELOOP.intValue();

    private static final int O_RDONLY = OpenFlags.O_RDONLY.intValue();
    private static final int O_WRONLY = OpenFlags.O_WRONLY.intValue();
    private static final int O_NONBLOCK = OpenFlags.O_NONBLOCK.intValue();
    private static final int O_CLOEXEC = OpenFlags.O_CLOEXEC.intValue();
    private static final int O_NOFOLLOW = OpenFlags.O_NOFOLLOW.intValue();

    /** The size of {@code struct pollfd}: {@code int fd; short events; short revents}. */
    static final int POLLFD_SIZE = 8;

    // Linux epoll(7); the event bits are those of poll(2)
    static final int EPOLL_CTL_ADD = 1;
    static final int EPOLL_CTL_DEL = 2;
    static final int EPOLL_CTL_MOD = 3;
    static final int EPOLLONESHOT = 1 << 30;
    /**
     * The size of {@code struct epoll_event} ({@code uint32_t events; uint64_t data}): 12 bytes on
     * x86 (packed on x86-64 for 32-bit compatibility; a 64-bit integer is 4-byte aligned on i386),
     * naturally aligned, 16 bytes, elsewhere.
     */
    static final int EPOLL_EVENT_SIZE = isX86() ? 12 : 16;
    static final int EPOLL_DATA_OFFSET = EPOLL_EVENT_SIZE - 8;

    /** The libc calls jnr-posix lacks. {@code epoll_*} and {@code pipe2} exist on Linux only: call them there only. */
    public interface LibC {
        int poll(ByteBuffer fds, @size_t long nfds, int timeout);

        int pipe2(@Out int[] fds, int flags);

        int epoll_create1(int flags);

        int epoll_ctl(int epfd, int op, int fd, ByteBuffer event);

        int epoll_wait(int epfd, ByteBuffer events, int maxevents, int timeout);

        int ioctl(int fd, @u_int64_t long request, @Out int[] value);
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
        return System.getProperty("os.name", "").toLowerCase(Locale.ROOT).startsWith("windows");
    }

    static boolean isLinux() {
        return System.getProperty("os.name", "").toLowerCase(Locale.ROOT).startsWith("linux");
    }

    private static boolean isX86() {
        String arch = System.getProperty("os.arch", "");
        return arch.equals("amd64") || arch.equals("x86_64") || arch.equals("x86") || arch.matches("i[3-6]86");
    }

    /**
     * Fails unless the native calls are available.
     *
     * @throws UnsupportedOperationException on Windows, or when the native library cannot load;
     *     when the JDK denies native access (JDK 24+ with {@code --illegal-native-access=deny}) its
     *     message names the {@code --enable-native-access} flag to add
     */
    public static void requireNative() {
        posix();
    }

    private static POSIX posix() {
        POSIX posix = Native.POSIX;
        if (posix == null || !posix.isNative()) {
            throw unavailable(Native.FAILURE);
        }
        return posix;
    }

    private static UnsupportedOperationException unavailable(@Nullable Throwable failure) {
        String why = failure == null ? "jnr-posix fell back to its pure-Java implementation" : failure.toString();
        if (nativeAccessDenied(failure)) {
            why = "the JDK denies native access to jnr (" + failure + "); start the JVM with"
                    + " --enable-native-access=ALL-UNNAMED (class path) or --enable-native-access=<module>"
                    + " (module path), or put 'Enable-Native-Access: ALL-UNNAMED' in an executable jar's manifest";
        }
        UnsupportedOperationException e = new UnsupportedOperationException(
                "reactor-fifo needs native POSIX calls (mkfifo, open, poll), which are not available here: "
                        + why + " (os.name=" + System.getProperty("os.name") + ")");
        if (failure != null && !(failure instanceof UnsupportedOperationException)) {
            e.initCause(failure);
        }
        return e;
    }

    /**
     * JDK 24+ refuses {@code System.load} to code without native access with an
     * {@code IllegalCallerException}; jffi reports it inside the message of an
     * {@code UnsatisfiedLinkError} ("Illegal native access from an unnamed module"), not as a cause.
     */
    private static boolean nativeAccessDenied(@Nullable Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause()) {
            String message = t.getMessage();
            if (t.getClass().getName().equals("java.lang.IllegalCallerException")
                    || (message != null && message.contains("Illegal native access"))) {
                return true;
            }
        }
        return false;
    }

    private static LibC libc() {
        posix();
        return Native.LIBC;
    }

    /** @return the caller's effective user id */
    public static int geteuid() {
        return posix().geteuid();
    }

    private static int errno() {
        return posix().errno();
    }

    private static int lastError() {
        return LastError.getLastError(Native.RUNTIME);
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

    /** stat(2), following symbolic links. */
    public static FileStatus stat(String path) {
        FileStat stat = posix().allocateStat();
        return posix().stat(path, stat) < 0 ? FileStatus.failed(errno()) : status(stat);
    }

    /** lstat(2), not following symbolic links. */
    public static FileStatus lstat(String path) {
        FileStat stat = posix().allocateStat();
        return posix().lstat(path, stat) < 0 ? FileStatus.failed(errno()) : status(stat);
    }

    /** fstat(2) of an open descriptor. */
    static FileStatus fstat(int fd) {
        FileStat stat = posix().allocateStat();
        return posix().fstat(fd, stat) < 0 ? FileStatus.failed(errno()) : status(stat);
    }

    private static FileStatus status(FileStat stat) {
        FileStatus.Type type;
        if (stat.isFifo()) {
            type = FileStatus.Type.FIFO;
        } else if (stat.isFile()) {
            type = FileStatus.Type.REGULAR_FILE;
        } else if (stat.isDirectory()) {
            type = FileStatus.Type.DIRECTORY;
        } else if (stat.isSocket()) {
            type = FileStatus.Type.SOCKET;
        } else if (stat.isCharDev()) {
            type = FileStatus.Type.CHARACTER_DEVICE;
        } else if (stat.isBlockDev()) {
            type = FileStatus.Type.BLOCK_DEVICE;
        } else if (stat.isSymlink()) {
            type = FileStatus.Type.SYMBOLIC_LINK;
        } else {
            type = FileStatus.Type.OTHER;
        }
        return new FileStatus(type, stat.uid(), stat.mode());
    }

    /**
     * Opens {@code O_RDONLY|O_NONBLOCK|O_CLOEXEC}, which never blocks on a FIFO.
     *
     * @param noFollow adds {@code O_NOFOLLOW}: a symbolic link at the path fails with ELOOP
     * @return fd or negated errno
     */
    static int openForReading(String path, boolean noFollow) {
        int fd = posix().open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC | (noFollow ? O_NOFOLLOW : 0), 0);
        return fd < 0 ? -errno() : fd;
    }

    /**
     * Opens {@code O_WRONLY|O_NONBLOCK|O_CLOEXEC}: ENXIO while nobody reads.
     *
     * @param noFollow adds {@code O_NOFOLLOW}: a symbolic link at the path fails with ELOOP
     * @return fd or negated errno
     */
    static int openForWriting(String path, boolean noFollow) {
        int fd = posix().open(path, O_WRONLY | O_NONBLOCK | O_CLOEXEC | (noFollow ? O_NOFOLLOW : 0), 0);
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

    static void close(int fd) {
        posix().close(fd);
    }

    /**
     * poll(2) on {@code count} {@code struct pollfd} of a direct, native-order buffer
     * ({@link #POLLFD_SIZE} bytes each, from index 0).
     *
     * @return the number of ready descriptors, 0 on timeout, or the negated errno
     */
    static int poll(ByteBuffer pollfds, int count, int timeoutMillis) {
        int n = libc().poll(pollfds, count, timeoutMillis);
        return n < 0 ? -lastError() : n;
    }

    /**
     * poll(2) on one descriptor without waiting, for rare looks (a writer's hang-up): it
     * allocates its {@code struct pollfd}.
     *
     * @return the {@code revents}, 0 if nothing is ready, or a negative errno
     */
    static int pollNow(int fd, int events) {
        ByteBuffer pollfd = allocatePollFds(1);
        setPollFd(pollfd, 0, fd, events);
        int n;
        do {
            n = poll(pollfd, 1, 0);
        } while (n == -EINTR);
        return n < 0 ? n : n == 0 ? 0 : pollRevents(pollfd, 0);
    }

    /** @return a direct native-order buffer for {@code count} {@code struct pollfd} */
    static ByteBuffer allocatePollFds(int count) {
        return ByteBuffer.allocateDirect(count * POLLFD_SIZE).order(java.nio.ByteOrder.nativeOrder());
    }

    /** Sets {@code struct pollfd} number {@code index}: {@code fd}, {@code events}, and 0 {@code revents}. */
    static void setPollFd(ByteBuffer pollfds, int index, int fd, int events) {
        int at = index * POLLFD_SIZE;
        pollfds.putInt(at, fd);
        pollfds.putShort(at + 4, (short) events);
        pollfds.putShort(at + 6, (short) 0);
    }

    /** @return the {@code revents} of {@code struct pollfd} number {@code index} */
    static int pollRevents(ByteBuffer pollfds, int index) {
        return pollfds.getShort(index * POLLFD_SIZE + 6) & 0xFFFF;
    }

    /** @return the {@code fd} of {@code struct pollfd} number {@code index} */
    static int pollFd(ByteBuffer pollfds, int index) {
        return pollfds.getInt(index * POLLFD_SIZE);
    }

    /**
     * A new epoll instance, close-on-exec from its creation (Linux only).
     *
     * @return its descriptor
     */
    static int epollCreate() throws IOException {
        int fd = libc().epoll_create1(O_CLOEXEC); // EPOLL_CLOEXEC is O_CLOEXEC
        if (fd < 0) {
            throw new IOException("epoll_create1(2) failed: " + describe(lastError()));
        }
        return fd;
    }

    /**
     * epoll_ctl(2) for {@code fd}, with {@code token} as the event's data (Linux only).
     *
     * @return 0, or the negated errno
     */
    static int epollCtl(int epfd, int op, int fd, int events, long token) {
        // a fresh heap struct per call (jnr copies it in): no state shared between the arming threads,
        // and far cheaper than a direct buffer with its cleaner
        ByteBuffer event = ByteBuffer.allocate(EPOLL_EVENT_SIZE).order(java.nio.ByteOrder.nativeOrder());
        event.putInt(0, events);
        event.putLong(EPOLL_DATA_OFFSET, token);
        int rc = libc().epoll_ctl(epfd, op, fd, event);
        return rc < 0 ? -lastError() : 0;
    }

    /** @return a direct native-order buffer for {@code count} {@code struct epoll_event} */
    static ByteBuffer allocateEpollEvents(int count) {
        return ByteBuffer.allocateDirect(count * EPOLL_EVENT_SIZE).order(java.nio.ByteOrder.nativeOrder());
    }

    /** @return the number of events written into {@code events}, 0 on timeout, or the negated errno */
    static int epollWait(int epfd, ByteBuffer events, int maxEvents, int timeoutMillis) {
        int n = libc().epoll_wait(epfd, events, maxEvents, timeoutMillis);
        return n < 0 ? -lastError() : n;
    }

    /** @return the event bits of event number {@code index} of an {@link #epollWait} result */
    static int epollEvents(ByteBuffer events, int index) {
        return events.getInt(index * EPOLL_EVENT_SIZE);
    }

    /** @return the token (data) of event number {@code index} of an {@link #epollWait} result */
    static long epollToken(ByteBuffer events, int index) {
        return events.getLong(index * EPOLL_EVENT_SIZE + EPOLL_DATA_OFFSET);
    }

    /**
     * A pipe whose both ends are non-blocking and close-on-exec from their creation
     * ({@code pipe2(2)} on Linux), so that a child process started by another thread at that
     * moment never inherits it and a wake-up write can never block. Elsewhere (macOS has no
     * {@code pipe2}) the flags are set right after {@code pipe(2)}, and checked.
     *
     * @return {read end, write end}
     */
    static int[] wakeupPipe() throws IOException {
        int[] fds = new int[2];
        if (isLinux()) {
            if (libc().pipe2(fds, O_CLOEXEC | O_NONBLOCK) < 0) {
                throw new IOException("pipe2(2) failed: " + describe(lastError()));
            }
            return fds;
        }
        POSIX posix = posix();
        if (posix.pipe(fds) < 0) {
            throw new IOException("pipe(2) failed: " + describe(errno()));
        }
        for (int fd : fds) {
            int flags = posix.fcntl(fd, Fcntl.F_GETFL);
            if (posix.fcntlInt(fd, Fcntl.F_SETFD, 1 /* FD_CLOEXEC */) < 0 || flags < 0
                    || posix.fcntlInt(fd, Fcntl.F_SETFL, flags | O_NONBLOCK) < 0) {
                IOException e = new IOException("fcntl(2) on a new pipe failed: " + describe(errno()));
                close(fds[0]);
                close(fds[1]);
                throw e;
            }
        }
        return fds;
    }

    /** {@code FIONREAD}: Linux on x86, ARM and RISC-V; the BSDs and macOS. */
    private static final long FIONREAD = isLinux() ? 0x541B : 0x4004667FL;

    /**
     * {@code ioctl(FIONREAD)} on either end of a pipe: the bytes written and not read yet.
     *
     * @return the count, or -1 if the system cannot tell
     */
    static int unreadBytes(int fd) {
        int[] count = new int[1];
        return libc().ioctl(fd, FIONREAD, count) < 0 ? -1 : count[0];
    }

    /** @return PIPE_BUF for this descriptor: the largest write the kernel keeps atomic */
    static int pipeBuf(int fd) {
        int n = posix().fpathconf(fd, Pathconf._PC_PIPE_BUF);
        return n > 0 ? n : 512; // POSIX guarantees at least 512
    }
}
