package dev.reactorfifo.examples;

import dev.reactorfifo.NamedPipe;
import java.io.PrintStream;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import reactor.core.Exceptions;
import reactor.core.publisher.Mono;

/**
 * The tutorial's reader script: prints {@code Received: <line>} for every line written into the
 * FIFO and exits when the writer closes it.
 *
 * <pre>java -cp reactor-fifo-examples.jar dev.reactorfifo.examples.ReaderExample [fifo-path]</pre>
 *
 * <p>The Python loop calls {@code readline()} until it gets an empty string. Here the FIFO is a
 * {@code Flux<String>} that completes at the writer's end of stream, so the loop disappears. One
 * difference: the Python reader also stops at the first blank line (it strips each line and
 * breaks on an empty one); this one prints blank lines as {@code Received: } and keeps reading.
 */
public final class ReaderExample {

    private ReaderExample() {
    }

    public static void main(String[] args) {
        System.exit(run(args, System.out, System.err));
    }

    /** @return the exit code: 0 after the writer closed the FIFO, 1 on an I/O error, 2 on bad usage */
    static int run(String[] args, PrintStream out, PrintStream err) {
        if (args.length > 1) {
            err.println("usage: ReaderExample [fifo-path]   (default: " + WriterExample.DEFAULT_PATH + ")");
            return ErrorMessages.USAGE;
        }
        Path path = args.length == 1 ? Path.of(args[0]) : WriterExample.DEFAULT_PATH;
        try {
            // The reader uses the FIFO but does not create it, like the tutorial's.
            printLines(NamedPipe.of(path), out).block();
            return 0;
        } catch (RuntimeException e) {
            if (Exceptions.unwrap(e) instanceof NoSuchFileException) {
                err.println("Reader error: " + ErrorMessages.describe(e)
                        + " (start WriterExample first: it creates the FIFO)");
                return ErrorMessages.FAILED;
            }
            return ErrorMessages.report("Reader error", e, err);
        }
    }

    /**
     * Prints every line of the FIFO; completes when the last writer has closed it. Waiting for a
     * writer and reading happen on a Reactor thread: nothing blocks until someone calls
     * {@code block()}, and cancelling releases the FIFO at once.
     */
    static Mono<Void> printLines(NamedPipe pipe, PrintStream out) {
        return pipe.lines()
                .doOnNext(line -> out.println("Received: " + line))
                .then();
    }
}
