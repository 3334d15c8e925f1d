package dev.reactorfifo.examples;

import dev.reactorfifo.NamedPipe;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;
import reactor.core.publisher.Flux;

/**
 * {@code grep -n} from one FIFO into another: reads the lines written into {@code <input-fifo>},
 * keeps those matching {@code <regex>}, and writes each as {@code <line-number>:<line>} into
 * {@code <output-fifo>}, until the input's writer closes it.
 *
 * <pre>
 * mkfifo /tmp/in /tmp/out
 * java -cp reactor-fifo-examples.jar dev.reactorfifo.examples.PipeFilterExample /tmp/in /tmp/out 'ERROR|WARN' &amp;
 * cat /tmp/out &amp;
 * cat app.log &gt; /tmp/in
 * </pre>
 *
 * <p>Why a Flux of lines: the filter is two operators between {@link NamedPipe#lines()} and
 * {@link NamedPipe#writeLines}, and backpressure comes for free across all three processes.
 * {@code writeLines} asks for lines only as fast as the output's reader takes them, and
 * {@code lines()} reads from the input only when lines are asked for; so when the consumer is
 * slow, or absent, the pipes fill up and the producer blocks in {@code write(2)}. Nothing piles
 * up in this program's memory, however much the producer has to say.
 */
public final class PipeFilterExample {

    private PipeFilterExample() {
    }

    public static void main(String[] args) {
        System.exit(run(args, System.out, System.err));
    }

    /** @return 0 when the input ended and every match was written, 1 on an I/O error, 2 on bad usage */
    static int run(String[] args, PrintStream out, PrintStream err) {
        if (args.length != 3) {
            err.println("usage: PipeFilterExample <input-fifo> <output-fifo> <regex>");
            return ErrorMessages.USAGE;
        }
        Pattern pattern;
        try {
            pattern = Pattern.compile(args[2]);
        } catch (PatternSyntaxException e) {
            err.println("Filter error: invalid regex " + args[2] + ": " + e.getDescription());
            return ErrorMessages.USAGE;
        }
        NamedPipe input = NamedPipe.of(Path.of(args[0]));
        NamedPipe output = NamedPipe.of(Path.of(args[1]));
        try {
            // The input is opened only once the output has a reader (nothing is read before lines
            // are wanted): check it now, or a typo would only show up after the consumer came.
            InputFifo.require(input.path());

            AtomicLong read = new AtomicLong();
            AtomicLong matched = new AtomicLong();
            Flux<String> matches = grepN(input.lines().doOnNext(line -> read.incrementAndGet()), pattern)
                    .doOnNext(line -> matched.incrementAndGet());
            output.writeLines(matches).block();

            out.println("Filter: " + matched + " of " + read + " lines matched " + pattern);
            return 0;
        } catch (Exception e) {
            return ErrorMessages.report("Filter error", e, err);
        }
    }

    /** The filter itself: {@code grep -n pattern}, numbering lines from 1 as they came in. */
    static Flux<String> grepN(Flux<String> lines, Pattern pattern) {
        return lines
                .index() // (0-based position, line)
                .filter(numbered -> pattern.matcher(numbered.getT2()).find())
                .map(numbered -> (numbered.getT1() + 1) + ":" + numbered.getT2());
    }
}
