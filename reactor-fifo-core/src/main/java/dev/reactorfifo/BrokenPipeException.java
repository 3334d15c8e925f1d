package dev.reactorfifo;

import java.io.IOException;

/**
 * Every reader of the FIFO went away while lines or bytes were being written ({@code EPIPE}, or
 * {@code POLLERR} while waiting for room in the pipe).
 *
 * <p>{@link #linesWritten()} counts the lines handed to the pipe before it broke (for
 * {@code writeBytes}, the whole buffers). "Written" means
 * accepted by the kernel, not read by anyone: lines still in the pipe's buffer when the last
 * reader closed are lost with the pipe.
 */
public class BrokenPipeException extends IOException {

    private static final long serialVersionUID = 1L;

    /** How many whole lines were handed to the pipe before it broke. */
    private final long linesWritten;

    /**
     * Creates an exception for a pipe that broke after {@code linesWritten} lines.
     *
     * @param message what broke, naming the path
     * @param linesWritten how many whole lines were handed to the pipe before it broke
     */
    public BrokenPipeException(String message, long linesWritten) {
        super(message);
        this.linesWritten = linesWritten;
    }

    /**
     * Returns how many whole lines were handed to the pipe before it broke: accepted by the
     * kernel, not necessarily read by anyone.
     *
     * @return how many whole lines were handed to the pipe before it broke
     */
    public long linesWritten() {
        return linesWritten;
    }
}
