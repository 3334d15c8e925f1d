package dev.reactorfifo.examples;

import dev.reactorfifo.NotAFifoException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/**
 * The up-front check of a FIFO-to-FIFO example's input. Such an example writes with
 * {@code writeLines} or {@code writeBytes}, which ask for their first element only once the
 * output has a reader; only then is the input opened. Without this check a typo in the input path
 * would show up only after the consumer came.
 */
final class InputFifo {

    private InputFifo() {
    }

    /**
     * Fails at once, on the calling thread, for a missing path, a directory or a regular file.
     *
     * @throws NoSuchFileException if nothing is at {@code path}
     * @throws NotAFifoException if {@code path} is a directory or a regular file
     */
    static void require(Path path) throws IOException {
        if (!Files.exists(path)) {
            throw new NoSuchFileException(path.toString());
        }
        if (Files.isDirectory(path)) {
            throw new NotAFifoException(path.toString(), "is a directory, not a FIFO");
        }
        if (Files.isRegularFile(path)) {
            throw new NotAFifoException(path.toString(), "is a regular file, not a FIFO");
        }
        // a socket or a device gets through here; the read rejects it when it opens the path
    }
}
