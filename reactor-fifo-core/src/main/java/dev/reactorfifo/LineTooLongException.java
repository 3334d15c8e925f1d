package dev.reactorfifo;

import java.io.IOException;

/**
 * A line read from a FIFO exceeded {@link ReadOptions#maxLineLength(int)}. The reader fails as
 * soon as the limit is passed, without ever buffering more than the limit, so an endless line
 * from a broken or hostile writer cannot exhaust memory.
 */
public class LineTooLongException extends IOException {

    private static final long serialVersionUID = 1L;

    /** The limit in bytes that the line exceeded. */
    private final int maxLineLength;

    /**
     * Creates an exception for a line longer than {@code maxLineLength} bytes.
     *
     * @param message what overflowed, naming the source and the limit
     * @param maxLineLength the limit in bytes that was exceeded
     */
    public LineTooLongException(String message, int maxLineLength) {
        super(message);
        this.maxLineLength = maxLineLength;
    }

    /**
     * Returns the limit in bytes that the line exceeded, the reader's
     * {@link ReadOptions#maxLineLength()}.
     *
     * @return the limit in bytes that the line exceeded
     */
    public int maxLineLength() {
        return maxLineLength;
    }
}
