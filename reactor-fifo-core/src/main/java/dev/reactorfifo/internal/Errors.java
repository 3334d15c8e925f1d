package dev.reactorfifo.internal;

import dev.reactorfifo.NotAFifoException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;

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

    /**
     * Stats {@code path} (following links) and fails unless it is a FIFO.
     *
     * @throws NoSuchFileException, AccessDeniedException, NotAFifoException
     */
    static void requireFifo(String path) throws FileSystemException {
        requireFifo(path, Posix.stat(path), "stat");
    }

    /** Fails unless {@code status}, of {@code path}, is a FIFO's. */
    static void requireFifo(String path, FileStatus status, String call) throws FileSystemException {
        if (status.failed()) {
            throw toException(status.errno(), path, call);
        }
        if (!status.isFifo()) {
            throw new NotAFifoException(path, status.describeType());
        }
    }

    /**
     * Fails unless the opened descriptor is a FIFO, closing it first: the path may have been
     * swapped between the path check and the open.
     */
    static void requireFifoDescriptor(String path, int fd) throws FileSystemException {
        FileStatus status = Posix.fstat(fd);
        if (!status.isFifo()) {
            Posix.close(fd);
            requireFifo(path, status, "fstat");
        }
    }
}
