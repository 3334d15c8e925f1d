package dev.reactorfifo;

import java.io.IOException;

/**
 * Nobody has the FIFO open for reading and the writer was told not to wait for a reader
 * ({@link WriteOptions#awaitReader(boolean) awaitReader(false)}): opening the write end failed
 * with {@code ENXIO}.
 */
public class NoReaderException extends IOException {

    private static final long serialVersionUID = 1L;

    /**
     * Creates an exception for a FIFO whose write end could not be opened because nobody reads it.
     *
     * @param message what had no reader, naming the path
     */
    public NoReaderException(String message) {
        super(message);
    }
}
