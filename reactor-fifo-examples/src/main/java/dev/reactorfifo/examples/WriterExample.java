package dev.reactorfifo.examples;

import dev.reactorfifo.NamedPipe;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import reactor.core.publisher.Flux;

/**
 * The tutorial's writer script: creates the FIFO if it is absent, sends
 * {@code Message 1 from writer} ... {@code Message 5 from writer}, one per second, printing
 * {@code Sent: <message>} for each, then closes the FIFO so that the reader sees the end.
 *
 * <pre>java -cp reactor-fifo-examples.jar dev.reactorfifo.examples.WriterExample [fifo-path]</pre>
 *
 * <p>Where the Python script opens the FIFO, loops over {@code write}/{@code flush}/{@code sleep}
 * and closes, here the messages are a {@link Flux} and {@link NamedPipe#writeLines} does the
 * rest: it waits for a reader (as Python's {@code open(path, "w")} does, but on a Reactor thread
 * and cancellably), writes each line as it arrives, and closes the FIFO when the Flux completes.
 */
public final class WriterExample {

    /** The tutorial's path. */
    static final Path DEFAULT_PATH = Path.of("/tmp/data_pipe");
    static final int MESSAGES = 5;
    static final Duration INTERVAL = Duration.ofSeconds(1);

    private WriterExample() {
    }

    public static void main(String[] args) {
        System.exit(run(args, System.out, System.err));
    }

    /** @return the exit code: 0 when all messages were written, 1 on an I/O error, 2 on bad usage */
    static int run(String[] args, PrintStream out, PrintStream err) {
        if (args.length > 1) {
            err.println("usage: WriterExample [fifo-path]   (default: " + DEFAULT_PATH + ")");
            return ErrorMessages.USAGE;
        }
        Path path = args.length == 1 ? Path.of(args[0]) : DEFAULT_PATH;
        try {
            // Like os.mkfifo + "except FileExistsError: pass", but it also refuses a path that is
            // not a FIFO, or a FIFO that someone else planted there: it would receive our lines.
            NamedPipe pipe = NamedPipe.createIfAbsent(path);

            Flux<String> messages = Flux.range(1, MESSAGES)
                    .map(i -> "Message " + i + " from writer")
                    .delayElements(INTERVAL) // one per second; nothing is requested before a reader is there
                    .doOnNext(message -> out.println("Sent: " + message));

            // Completes once every line is in the pipe and the FIFO is closed: the reader's end of stream.
            pipe.writeLines(messages).block();
            return 0;
        } catch (Exception e) {
            return ErrorMessages.report("Writer error", e, err);
        }
    }
}
