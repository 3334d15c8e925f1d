package dev.reactorfifo.examples;

import dev.reactorfifo.NamedPipe;
import dev.reactorfifo.ReadOptions;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalTime;
import java.time.format.DateTimeFormatter;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;
import reactor.core.Exceptions;
import reactor.core.publisher.Flux;

/**
 * A log collector: any number of producer processes write lines such as {@code ERROR disk full}
 * into one FIFO, whenever they like; this program follows the FIFO across all of them and prints,
 * once per second, how many lines of each level arrived in that second and in total.
 *
 * <pre>
 * java -cp reactor-fifo-examples.jar dev.reactorfifo.examples.LevelCountsExample /tmp/levels [window-millis]
 * echo "ERROR disk full" &gt; /tmp/levels          # from any shell, any number of times
 * </pre>
 *
 * <p>Why a Flux of lines: "count per level per second, and a running total" is three operators
 * ({@code window}, {@code groupBy}, {@code scan}) instead of a read loop, a timer thread and
 * shared counters. With {@link ReadOptions#follow(boolean) follow(true)} the stream does not end
 * when a producer closes the FIFO: it waits for the next one, like {@code tail -f}. The program
 * runs until Ctrl-C; the FIFO is created if absent and left in place for the producers.
 */
public final class LevelCountsExample {

    static final Duration DEFAULT_WINDOW = Duration.ofSeconds(1);
    private static final Set<String> LEVELS = Set.of("TRACE", "DEBUG", "INFO", "WARN", "ERROR");

    private LevelCountsExample() {
    }

    public static void main(String[] args) {
        System.exit(run(args, System.out, System.err));
    }

    /**
     * Runs until the JVM stops (Ctrl-C) or the calling thread is interrupted.
     *
     * @return 1 on an I/O error, 2 on bad usage, 130 when interrupted
     */
    static int run(String[] args, PrintStream out, PrintStream err) {
        Duration window;
        try {
            if (args.length < 1 || args.length > 2) {
                throw new IllegalArgumentException("wrong number of arguments");
            }
            window = args.length == 2 ? Duration.ofMillis(Long.parseLong(args[1])) : DEFAULT_WINDOW;
            if (window.isNegative() || window.isZero()) {
                throw new IllegalArgumentException("the window must be positive");
            }
        } catch (IllegalArgumentException e) {
            err.println("usage: LevelCountsExample <fifo-path> [window-millis]   (default window: 1000)");
            return ErrorMessages.USAGE;
        }
        try {
            NamedPipe pipe = NamedPipe.createIfAbsent(Path.of(args[0]));
            out.println("Counting levels of the lines written into " + pipe.path() + " (Ctrl-C to stop)");
            Flux<String> lines = pipe.lines(ReadOptions.defaults().follow(true));
            countLevels(lines, window)
                    .doOnNext(counts -> out.println(counts.describe()))
                    .blockLast();
            return 0; // not reached in follow mode: the stream ends only with an error
        } catch (Exception e) {
            if (Exceptions.unwrap(e) instanceof InterruptedException) {
                Thread.currentThread().interrupt();
                return Demo.INTERRUPTED;
            }
            return ErrorMessages.report("Counter error", e, err);
        }
    }

    /**
     * The counting pipeline. One {@link Counts} per window in which at least one line arrived.
     */
    static Flux<Counts> countLevels(Flux<String> lines, Duration window) {
        return lines
                .map(LevelCountsExample::levelOf)
                .window(window) // a new inner Flux of levels every `window`
                .concatMap(levelsInWindow -> levelsInWindow
                        .groupBy(level -> level) // one sub-stream per level...
                        .flatMap(sameLevel -> sameLevel.count() // ...counted when the window closes
                                .map(n -> Map.entry(sameLevel.key(), n)))
                        .collectMap(Map.Entry::getKey, Map.Entry::getValue, TreeMap::new))
                .filter(inWindow -> !inWindow.isEmpty()) // quiet windows print nothing
                .scan(Counts.NONE, Counts::plus) // running totals
                .skip(1); // scan first emits its seed
    }

    /** {@code "ERROR disk full"}, {@code "[warn] low memory"}, {@code "Info: ok"} -> ERROR, WARN, INFO; else OTHER. */
    static String levelOf(String line) {
        String first = line.strip().split("\\s+", 2)[0];
        String level = first.replaceAll("[\\[\\]:]", "").toUpperCase(Locale.ROOT);
        return LEVELS.contains(level) ? level : "OTHER";
    }

    /** The counts of the last window and the totals since the start, levels in alphabetical order. */
    record Counts(LocalTime at, SortedMap<String, Long> inWindow, SortedMap<String, Long> total) {

        static final Counts NONE = new Counts(LocalTime.MIN, new TreeMap<>(), new TreeMap<>());
        private static final DateTimeFormatter CLOCK = DateTimeFormatter.ofPattern("HH:mm:ss");

        Counts plus(Map<String, Long> window) {
            SortedMap<String, Long> sum = new TreeMap<>(total);
            window.forEach((level, n) -> sum.merge(level, n, Long::sum));
            return new Counts(LocalTime.now(), new TreeMap<>(window), sum);
        }

        long totalLines() {
            return total.values().stream().mapToLong(Long::longValue).sum();
        }

        /** {@code 12:00:01  new: ERROR=1 INFO=4  total: ERROR=3 INFO=12 WARN=2 (17 lines)} */
        String describe() {
            return CLOCK.format(at) + "  new: " + format(inWindow)
                    + "  total: " + format(total) + " (" + totalLines() + " lines)";
        }

        private static String format(Map<String, Long> counts) {
            StringBuilder s = new StringBuilder();
            counts.forEach((level, n) -> s.append(s.length() == 0 ? "" : " ").append(level).append('=').append(n));
            return s.toString();
        }
    }
}
