package dev.reactorfifo.bench;

import dev.reactorfifo.NamedPipe;
import dev.reactorfifo.ReadOptions;
import java.io.BufferedReader;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import reactor.core.publisher.Flux;
import reactor.core.scheduler.Schedulers;

/**
 * Scenario 1: read throughput. The writer is always {@code cat file > fifo}; each reader contender
 * runs in its own long-lived child JVM (warmed up, then measured), or is a shell tool. Every
 * measured run of a contender is immediately preceded by a reference run of
 * {@code cat fifo > /dev/null}, and the ratio is taken pair by pair.
 */
final class ReadScenario {

    static final int ONE_MIB = 1 << 20;

    /** A reader contender; {@code shell} is a command with {@code FIFO} for the path, or null for a JVM role. */
    record Contender(String key, String label, String shell, boolean raisedPipe) {
        boolean jvm() {
            return shell == null;
        }
    }

    static final Contender CAT = new Contender("cat", "`cat > /dev/null` (reference)", "exec cat FIFO > /dev/null", false);
    static final Contender BR = new Contender("br", "`BufferedReader.readLine` loop", null, false);

    static List<Contender> contenders() {
        return List.of(
                new Contender("wc", "`wc -l`", "exec wc -l < FIFO", false),
                BR,
                new Contender("naive", "naive Reactor one-liner", null, false),
                new Contender("lines", "`NamedPipe.lines()`", null, false),
                new Contender("cat-1m", "`cat`, pipe raised to 1 MiB", "exec cat FIFO > /dev/null", true),
                new Contender("lines-1m", "`lines()`, 1 MiB reads, pipe raised to 1 MiB", null, true));
    }

    private ReadScenario() {
    }

    static void run(Context ctx, Report report) throws Exception {
        report.section("1. Read throughput");
        report.paragraph("Writer: `cat file > fifo`. " + ctx.dataBytes / 1_000_000 + " MB per transfer. Each JVM "
                + "contender runs in its own child JVM (`-Xmx1g`, default GC), makes " + ctx.warmups
                + " unmeasured transfers, then " + ctx.rounds + " measured ones; each measured run is "
                + "immediately preceded by a `cat fifo > /dev/null` reference run, and ratios are taken pair "
                + "by pair (\"x BufferedReader\" pairs the runs of the same round). Time is wall clock from "
                + "starting the writer to both ends finishing. The 1 MiB-pipe rows have the harness hold an "
                + "extra, never-read descriptor with `F_SETPIPE_SZ` = 1 MiB during the transfer (the library "
                + "has no such option yet).");
        for (int lineBytes : new int[] {100, 20}) {
            runLineSize(ctx, report, lineBytes);
        }
    }

    private static void runLineSize(Context ctx, Report report, int lineBytes) throws Exception {
        Path data = ctx.dataFile(lineBytes, ctx.dataBytes);
        long bytes = Files.size(data);
        long lines = bytes / lineBytes;
        Path fifo = ctx.newFifo("read" + lineBytes);
        List<Contender> contenders = contenders();
        Map<String, ChildJvm> children = new LinkedHashMap<>();
        try {
            for (Contender c : contenders) {
                if (c.jvm()) {
                    children.put(c.key(), ctx.child("read-" + c.key() + "-" + lineBytes, List.of("-Xmx1g"), "read", c.key()));
                }
            }
            System.out.printf("   %d-B lines: warm-up (%d transfers per JVM contender)%n", lineBytes, ctx.warmups);
            for (int w = 0; w < ctx.warmups; w++) {
                for (Contender c : contenders) {
                    if (c.jvm()) {
                        transfer(ctx, c, children.get(c.key()), fifo, data, lines);
                    }
                }
            }
            PairedRounds measured = PairedRounds.measure(ctx.rounds,
                    contenders.stream().map(c -> new PairedRounds.Row(c.key(), c.label())).toList(), BR.key(), bytes,
                    () -> transfer(ctx, CAT, null, fifo, data, lines),
                    key -> transfer(ctx, byKey(contenders, key), children.get(key), fifo, data, lines),
                    lineBytes + "-B lines");
            report.paragraph("**" + lineBytes + "-byte lines** (" + bytes / 1_000_000 + " MB, " + lines + " lines)");
            measured.report(report, "reader", "x BufferedReader, paired", CAT.label(), "Read, " + lineBytes + "-B lines");
            double linesOverBr = Stats.median(measured.overBase("lines"));
            double linesOverNaive = Stats.median(pairRatio(measured.mbps("lines"), measured.mbps("naive")));
            report.verdict("read " + lineBytes + " B", "`lines()` >= 1.2x `BufferedReader` loop",
                    Stats.fmt("%.2fx", linesOverBr), linesOverBr >= 1.2);
            report.verdict("read " + lineBytes + " B", "`lines()` >= 1.2x naive one-liner",
                    Stats.fmt("%.2fx", linesOverNaive), linesOverNaive >= 1.2);
            if (lineBytes == 100) {
                // judged on the library as shipped; the 1 MiB-pipe rows need a descriptor the harness holds
                double plain = Stats.median(measured.overReference("lines"));
                double raised = Stats.median(measured.overReference("lines-1m"));
                report.verdict("read 100 B", "aim: `lines()` >= 0.8x `cat`",
                        Stats.fmt("%.2fx", plain) + " (the better 1 MiB-pipe row, which the library cannot do yet: "
                                + Stats.fmt("%.2fx", raised) + ")", plain >= 0.8);
            }
            report.endVerdicts();
        } finally {
            children.values().forEach(ChildJvm::close);
        }
    }

    static Contender byKey(List<Contender> contenders, String key) {
        return contenders.stream().filter(c -> c.key().equals(key)).findFirst().orElseThrow();
    }

    /** Each reference run relative to the median reference run: the reference's own noise. */
    static double[] ratiosOf(double[] refs) {
        double m = Stats.median(refs);
        double[] r = new double[refs.length];
        for (int i = 0; i < refs.length; i++) {
            r[i] = refs[i] / m;
        }
        return r;
    }

    static double[] pairRatio(List<Double> a, List<Double> b) {
        double[] r = new double[a.size()];
        for (int i = 0; i < r.length; i++) {
            r[i] = a.get(i) / b.get(i);
        }
        return r;
    }

    static double seconds(long nanos) {
        return nanos / 1e9;
    }

    /** One transfer of the data file through the FIFO to contender {@code c}. @return its wall time in ns */
    static long transfer(Context ctx, Contender c, ChildJvm child, Path fifo, Path data, long expectedLines) {
        PipeSize holder = c.raisedPipe() ? PipeSize.raise(fifo, ONE_MIB) : null;
        try {
            long t0 = System.nanoTime();
            Process reader = null;
            if (c.jvm()) {
                child.send("read " + fifo);
            } else {
                reader = Shell.start(c.shell().replace("FIFO", Shell.quote(fifo)));
            }
            Process writer = Shell.start("exec cat " + Shell.quote(data) + " > " + Shell.quote(fifo));
            long counted;
            if (c.jvm()) {
                counted = Long.parseLong(child.receiveOk(300_000)[0]);
            } else {
                String out = Shell.output(reader);
                Shell.await(reader, c.key(), 300_000);
                counted = out.isEmpty() ? expectedLines : Long.parseLong(out.split("\\s+")[0]);
            }
            Shell.await(writer, "writer cat", 300_000);
            long elapsed = System.nanoTime() - t0;
            if (counted != expectedLines) {
                throw new IllegalStateException(c.key() + " counted " + counted + " lines, expected " + expectedLines);
            }
            return elapsed;
        } finally {
            if (holder != null) {
                holder.close();
            }
        }
    }

    // ---- child side ----------------------------------------------------------------------------

    /** Child role "read": for each {@code read FIFO} command, reads the FIFO to EOF and answers {@code ok LINES}. */
    static void child(String key, BufferedReader commands) throws Exception {
        String command;
        while ((command = commands.readLine()) != null) {
            Path fifo = Path.of(command.substring("read ".length()));
            long n;
            switch (key) {
                case "br":
                    n = bufferedReaderLoop(fifo);
                    break;
                case "naive":
                    n = naive(fifo).count().block();
                    break;
                case "lines":
                    n = NamedPipe.of(fifo).lines().count().block();
                    break;
                case "lines-1m":
                    n = NamedPipe.of(fifo).lines(ReadOptions.defaults().readBufferSize(ONE_MIB)).count().block();
                    break;
                default:
                    throw new IllegalArgumentException(key);
            }
            Child.answer("ok " + n);
        }
    }

    static long bufferedReaderLoop(Path fifo) throws IOException {
        long n = 0;
        try (BufferedReader r = Files.newBufferedReader(fifo)) {
            while (r.readLine() != null) {
                n++;
            }
        }
        return n;
    }

    /** The one-liner users would write themselves (FIFO-FACTS.md). */
    static Flux<String> naive(Path fifo) {
        return Flux.using(() -> Files.newBufferedReader(fifo), r -> Flux.fromStream(r.lines()), ReadScenario::closeQuietly)
                .subscribeOn(Schedulers.boundedElastic());
    }

    static void closeQuietly(BufferedReader r) {
        try {
            r.close();
        } catch (IOException ignored) {
            // nothing to do
        }
    }
}
