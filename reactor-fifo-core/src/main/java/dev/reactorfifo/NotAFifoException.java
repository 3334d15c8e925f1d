package dev.reactorfifo;

import java.nio.file.FileSystemException;

/**
 * The path exists but is not a FIFO (named pipe): a regular file, a directory, a Unix domain
 * socket, a device. The {@linkplain #getReason() reason} says what it is instead.
 *
 * <p>Reading and writing decide this on the opened descriptor ({@code fstat}), not only on the
 * path, so a path swapped for another file between a check and the open is caught too.
 */
public class NotAFifoException extends FileSystemException {

    private static final long serialVersionUID = 1L;

    /**
     * Creates an exception for a path that is not a FIFO.
     *
     * @param file the path that is not a FIFO
     * @param reason what the path is instead, for example {@code "is a regular file"}
     */
    public NotAFifoException(String file, String reason) {
        super(file, null, reason);
    }
}
