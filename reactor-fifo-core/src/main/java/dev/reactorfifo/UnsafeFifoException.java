package dev.reactorfifo;

import java.nio.file.FileSystemException;

/**
 * {@link NamedPipe#createIfAbsent(java.nio.file.Path, java.util.Set)} found a FIFO it must not
 * reuse: it belongs to another user, or more users may open it than the requested permissions
 * allow. A FIFO planted in a shared folder by someone else could inject or steal lines. The
 * {@linkplain #getReason() reason} says which; delete the FIFO or request matching permissions.
 */
public class UnsafeFifoException extends FileSystemException {

    private static final long serialVersionUID = 1L;

    /**
     * Creates an exception for a FIFO that must not be reused.
     *
     * @param file the FIFO that was refused
     * @param reason why it is not safe to reuse
     */
    public UnsafeFifoException(String file, String reason) {
        super(file, null, reason);
    }
}
