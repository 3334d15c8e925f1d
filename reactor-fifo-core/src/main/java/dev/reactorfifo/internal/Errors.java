package dev.reactorfifo.internal;

import dev.reactorfifo.NotAFifoException;
import dev.reactorfifo.UnsafeFifoException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;

/** Turns errno values and file types into the standard {@code java.nio.file} exceptions. */
public final class Errors {

    private Errors() {
    }

    /** For counts in messages: "1 line was", "2 lines were". */
    static String wereDone(long count, String noun) {
        return count + " " + noun + (count == 1 ? " was" : "s were");
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
     * @param noFollow check the path itself ({@code lstat}): a symbolic link there is refused with
     *     {@link UnsafeFifoException}, as a FIFO checked by {@code createIfAbsent} is not followed
     */
    static void requireFifo(String path, boolean noFollow) throws FileSystemException {
        if (!noFollow) {
            requireFifo(path, Posix.stat(path), "stat");
            return;
        }
        FileStatus status = Posix.lstat(path);
        if (!status.failed() && status.type() == FileStatus.Type.SYMBOLIC_LINK) {
            throw symbolicLink(path);
        }
        requireFifo(path, status, "lstat");
    }

    /** @return the refusal of a symbolic link where a FIFO was checked */
    static UnsafeFifoException symbolicLink(String path) {
        return new UnsafeFifoException(path, "is a symbolic link; a FIFO that createIfAbsent checked is"
                + " opened only through its own path, never through a link (which could point at another FIFO)");
    }

    /** @return the exception for an {@code open(2)} of {@code path} that failed with {@code errno} */
    static FileSystemException openFailed(int errno, String path, boolean noFollow) {
        if (noFollow && errno == Posix.ELOOP) {
            return symbolicLink(path); // O_NOFOLLOW met a link swapped in after the check
        }
        return toException(errno, path, "open");
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
