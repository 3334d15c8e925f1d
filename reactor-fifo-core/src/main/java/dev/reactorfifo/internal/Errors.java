package dev.reactorfifo.internal;

import dev.reactorfifo.NotAFifoException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import jnr.posix.FileStat;

/** Turns errno values and file types into the standard {@code java.nio.file} exceptions. */
public final class Errors {

    private Errors() {
    }

    /**
     * @param errno a positive errno value
     * @param path the path the failed call was about
     * @param call what was attempted, for the message of errors without a standard type
     */
    public static FileSystemException toException(int errno, String path, String call) {
        if (errno == Posix.ENOENT) {
            return new NoSuchFileException(path);
        }
        if (errno == Posix.EACCES || errno == Posix.EPERM) {
            return new AccessDeniedException(path, null, Posix.describe(errno));
        }
        if (errno == Posix.EEXIST) {
            return new FileAlreadyExistsException(path);
        }
        if (errno == Posix.EISDIR) {
            return new NotAFifoException(path, "is a directory");
        }
        return new FileSystemException(path, null,
                call + " failed: " + Posix.describe(errno) + " (errno " + errno + ")");
    }

    /** @return what a non-FIFO file is, for {@link NotAFifoException}'s reason */
    public static String describeType(FileStat stat) {
        if (stat.isFile()) {
            return "is a regular file, not a FIFO";
        }
        if (stat.isDirectory()) {
            return "is a directory, not a FIFO";
        }
        if (stat.isSocket()) {
            return "is a Unix domain socket, not a FIFO";
        }
        if (stat.isCharDev()) {
            return "is a character device, not a FIFO";
        }
        if (stat.isBlockDev()) {
            return "is a block device, not a FIFO";
        }
        if (stat.isSymlink()) {
            return "is a symbolic link, not a FIFO";
        }
        return "is not a FIFO (mode " + Integer.toOctalString(stat.mode()) + ")";
    }

    /**
     * Stats {@code path} (following links) and fails unless it is a FIFO.
     *
     * @throws NoSuchFileException, AccessDeniedException, NotAFifoException
     */
    static void requireFifo(String path) throws FileSystemException {
        FileStat stat = Posix.newStat();
        int rc = Posix.stat(path, stat);
        if (rc < 0) {
            throw toException(-rc, path, "stat");
        }
        if (!stat.isFifo()) {
            throw new NotAFifoException(path, describeType(stat));
        }
    }

    /**
     * Fails unless the opened descriptor is a FIFO, closing it first: the path may have been
     * swapped between the path check and the open.
     */
    static void requireFifoDescriptor(String path, int fd) throws FileSystemException {
        FileStat stat = Posix.newStat();
        int rc = Posix.fstat(fd, stat);
        if (rc < 0 || !stat.isFifo()) {
            Posix.close(fd);
            if (rc < 0) {
                throw toException(-rc, path, "fstat");
            }
            throw new NotAFifoException(path, describeType(stat));
        }
    }
}
