package dev.reactorfifo.examples;

import dev.reactorfifo.NamedPipe;
import dev.reactorfifo.ReadOptions;
import dev.reactorfifo.WriteOptions;
import java.io.PrintStream;
import java.nio.charset.CodingErrorAction;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * File names from {@code find -print0}, whatever characters they hold. With one argument, counts
 * the names written into {@code <names-fifo>} per extension, most common first, like
 * {@code sort | uniq -c | sort -rn}; with three, passes on the names that have
 * {@code <extension>} into {@code <output-fifo>}, NUL-separated again, for {@code xargs -0}.
 *
 * <pre>
 * mkfifo /tmp/names /tmp/pdfs
 * java -cp reactor-fifo-examples.jar dev.reactorfifo.examples.NulSeparatedNamesExample /tmp/names &amp;
 * find ~/Documents -type f -print0 &gt; /tmp/names
 *
 * java -cp reactor-fifo-examples.jar dev.reactorfifo.examples.NulSeparatedNamesExample /tmp/names pdf /tmp/pdfs &amp;
 * xargs -0 ls -l &lt; /tmp/pdfs &amp;
 * find ~/Documents -type f -print0 &gt; /tmp/names
 * </pre>
 *
 * <p>Why NUL: a file name may hold spaces, tabs and newlines, so a pipeline that takes one name
 * per line counts {@code "two\nlines.txt"} as two names. NUL is the one byte no file name can
 * hold, which is why {@code find -print0}, {@code xargs -0} and {@code git ls-files -z} end each
 * name with it. {@link ReadOptions#delimiter(String) ReadOptions.delimiter("\0")} makes
 * {@link NamedPipe#lines(ReadOptions)} emit exactly those names, and
 * {@link WriteOptions#delimiter(String) WriteOptions.delimiter("\0")} makes
 * {@link NamedPipe#writeLines(org.reactivestreams.Publisher, WriteOptions)} write them so again.
 */
public final class NulSeparatedNamesExample {

    /** The extension of a name that has none, in the counts. */
    static final String NONE = "(none)";
    /** Names as {@code find -print0} writes them: UTF-8 (as names are on Linux, mostly), each ended by NUL. */
    static final ReadOptions NAMES = ReadOptions.defaults().delimiter("\0");
    /** Names as {@code xargs -0} reads them. */
    static final WriteOptions TO_XARGS = WriteOptions.defaults().delimiter("\0");

    private NulSeparatedNamesExample() {
    }

    public static void main(String[] args) {
        System.exit(run(args, System.out, System.err));
    }

    /**
     * Reads on Reactor threads and blocks the calling thread until the names' writer closed the
     * FIFO (and, when passing names on, until all of them were written).
     *
     * @return 0 when the names ended, 1 on an I/O error, 2 on bad usage
     */
    static int run(String[] args, PrintStream out, PrintStream err) {
        if (args.length == 1) {
            return printCounts(NamedPipe.of(Path.of(args[0])), out, err);
        }
        if (args.length == 3 && isExtension(withoutDot(args[1]))) {
            return passOn(NamedPipe.of(Path.of(args[0])), normalized(args[1]), NamedPipe.of(Path.of(args[2])), out, err);
        }
        err.println("usage: NulSeparatedNamesExample <names-fifo>                            (count per extension)");
        err.println("       NulSeparatedNamesExample <names-fifo> <extension> <output-fifo>  (pass those names on)");
        return ErrorMessages.USAGE;
    }

    private static int printCounts(NamedPipe names, PrintStream out, PrintStream err) {
        try {
            Map<String, Long> counts = countByExtension(names.lines(NAMES)).block();
            // as sort | uniq -c | sort -rn shows them: most common first, the count right-aligned
            counts.entrySet().stream()
                    .sorted(Map.Entry.<String, Long>comparingByValue(Comparator.reverseOrder())
                            .thenComparing(Map.Entry.comparingByKey()))
                    .forEach(extension -> out.printf("%7d %s%n", extension.getValue(), extension.getKey()));
            long total = counts.values().stream().mapToLong(Long::longValue).sum();
            out.println(total + " names, " + counts.size() + " extensions");
            return 0;
        } catch (Exception e) {
            return ErrorMessages.report("Names error", e, err);
        }
    }

    private static int passOn(NamedPipe input, String extension, NamedPipe output, PrintStream out, PrintStream err) {
        try {
            InputFifo.require(input.path());
            AtomicLong read = new AtomicLong();
            AtomicLong passed = new AtomicLong();
            // REPORT, not the default REPLACE: a name that is not valid UTF-8 would reach xargs with
            // U+FFFD in it, the name of another file or of none. Better to stop there and say so
            // (the names before it are passed on already).
            Flux<String> names = input.lines(NAMES.malformedInput(CodingErrorAction.REPORT))
                    .doOnNext(name -> read.incrementAndGet());
            output.writeLines(withExtension(names, extension).doOnNext(name -> passed.incrementAndGet()), TO_XARGS)
                    .block();
            out.println("Names: " + passed + " of " + read + " names end in " + extension);
            return 0;
        } catch (Exception e) {
            return ErrorMessages.report("Names error", e, err);
        }
    }

    /**
     * How many names there are of each extension, in the extensions' order. Counted on the
     * thread that reads the FIFO, as each name arrives; the Mono completes when the names'
     * writer closes the FIFO.
     */
    static Mono<Map<String, Long>> countByExtension(Flux<String> names) {
        // collect, not groupBy + flatMap: each group stays open until the names end, and a tree
        // with more extensions than flatMap's concurrency (256) would wait forever
        return names.collect(Collectors.groupingBy(NulSeparatedNamesExample::extensionOf, TreeMap::new,
                Collectors.counting()));
    }

    /**
     * The names whose {@link #extensionOf extension} is {@code extension} ({@code ".pdf"}), in
     * order; filtered on the thread that reads the FIFO, and read only as fast as the output's
     * reader takes them.
     */
    static Flux<String> withExtension(Flux<String> names, String extension) {
        return names.filter(name -> extensionOf(name).equals(extension));
    }

    /**
     * {@code "dir/Report 2024.PDF"} -> {@code ".pdf"}; {@code "README"}, {@code ".bashrc"},
     * {@code "x."} -> {@link #NONE}. Only letters and digits after the last dot make an extension,
     * so {@code "v1.0 final"} or {@code "x.t\nxt"} has none, and every extension prints on one line.
     */
    static String extensionOf(String path) {
        String name = path.substring(path.lastIndexOf('/') + 1);
        int dot = name.lastIndexOf('.');
        if (dot <= 0) { // no dot, or a dot file's leading dot
            return NONE;
        }
        String extension = name.substring(dot + 1);
        return isExtension(extension) ? "." + extension.toLowerCase(Locale.ROOT) : NONE;
    }

    private static boolean isExtension(String letters) {
        return !letters.isEmpty() && letters.codePoints().allMatch(Character::isLetterOrDigit);
    }

    private static String withoutDot(String extension) {
        return extension.startsWith(".") ? extension.substring(1) : extension;
    }

    /** {@code "PDF"}, {@code ".pdf"} -> {@code ".pdf"}, as {@link #extensionOf} spells it. */
    private static String normalized(String extension) {
        return "." + withoutDot(extension).toLowerCase(Locale.ROOT);
    }
}
