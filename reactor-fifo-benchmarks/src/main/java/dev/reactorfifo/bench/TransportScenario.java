package dev.reactorfifo.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import java.util.function.ToLongFunction;

/**
 * Scenario 7: one pipe, {@code SHARED_POLLER} against the default transport, read and write
 * throughput, judged across forks.
 *
 * <p>Why forks: the same reader code, in fresh child JVMs started one after the other, settles at
 * anything from about 450 to 850 MB/s on 20-byte lines and then stays there for every transfer
 * that JVM makes (the profile is the per-line {@code String} copy in all of them; which way the JIT
 * and the heap settle differs per JVM). A single pair of child JVMs, as scenarios 1 and 2 use,
 * therefore measures the luck of two JVM starts as much as the transports, and that luck is wider
 * than the 15 % the bar allows. So each fork here starts a fresh pair, warms both up, measures
 * them alternately (ABBA), and gives one ratio; the bar is judged on the median of the forks'
 * ratios, as JMH does with its forks.
 */
final class TransportScenario {

    /** One comparison: how to start the child of a transport and make one timed transfer with it. */
    private record Comparison(String what, long bytes, Function<String, ChildJvm> start, ToLongFunction<ChildJvm> transfer,
            String defaultKey, String sharedKey) {
    }

    private TransportScenario() {
    }

    static void run(Context ctx, Report report) throws Exception {
        int forks = ctx.quick ? 2 : 6;
        int measured = ctx.quick ? 2 : 4;
        report.section("7. Transports, one pipe: `SHARED_POLLER` against the default, across forks");
        report.paragraph("The same transfers as scenarios 1 and 2 (reads from `cat file > fifo`, " + ctx.dataBytes / 1_000_000
                + " MB; `writeLines` with atomicLines=true into `cat fifo > /dev/null`, " + ctx.writeBytes / 1_000_000
                + " MB), but judged across " + forks + " forks. Each fork starts a fresh child JVM (`-Xmx1g`) per "
                + "transport, makes " + ctx.warmups + " unmeasured transfers with each, then " + measured
                + " measured ones with each in ABBA order; its ratio is the median shared transfer over the median "
                + "default one. Why forks: the same code in fresh JVMs settles anywhere between about 450 and 850 MB/s "
                + "on 20-byte lines and keeps that speed for as long as the JVM lives, which is wider than the 15 % "
                + "the bar allows, so a single pair of JVMs would judge two JVM starts rather than two transports.");
        for (int lineBytes : new int[] {100, 20}) {
            Path data = ctx.dataFile(lineBytes, ctx.dataBytes);
            long bytes = Files.size(data);
            long lines = bytes / lineBytes;
            Path fifo = ctx.newFifo("transport-read" + lineBytes);
            compare(ctx, report, forks, measured, new Comparison("read " + lineBytes + " B", bytes,
                    key -> ctx.child("transport-read-" + key + "-" + lineBytes, List.of("-Xmx1g"), "read", key),
                    child -> ReadScenario.transfer(ctx, new ReadScenario.Contender("jvm", "", null, false), child, fifo, data, lines),
                    "lines", "lines-shared"));
        }
        for (int lineBytes : new int[] {100, 20}) {
            Path data = ctx.dataFile(lineBytes, ctx.writeBytes);
            long bytes = Files.size(data);
            long lines = bytes / lineBytes;
            Path fifo = ctx.newFifo("transport-write" + lineBytes);
            compare(ctx, report, forks, measured, new Comparison("write " + lineBytes + " B", bytes,
                    key -> ctx.child("transport-write-" + key + "-" + lineBytes, List.of("-Xmx1g"), "write", key,
                            String.valueOf(lineBytes), String.valueOf(lines)),
                    child -> WriteScenario.transfer(new WriteScenario.Contender("jvm", ""), child, fifo, data, -1),
                    "writeLines-atomic", "writeLines-shared"));
        }
    }

    private static void compare(Context ctx, Report report, int forks, int measured, Comparison c) {
        Table t = new Table("fork", "default MB/s, each transfer", "`SHARED_POLLER` MB/s, each transfer", "shared / default");
        double[] ratios = new double[forks];
        for (int f = 0; f < forks; f++) {
            ChildJvm dedicated = c.start().apply(c.defaultKey());
            ChildJvm shared = c.start().apply(c.sharedKey());
            try {
                for (int w = 0; w < ctx.warmups; w++) {
                    c.transfer().applyAsLong(dedicated);
                    c.transfer().applyAsLong(shared);
                }
                List<Double> d = new ArrayList<>();
                List<Double> s = new ArrayList<>();
                for (int m = 0; m < measured; m++) {
                    boolean dedicatedFirst = (m + f) % 2 == 0;
                    double first = mbps(c, dedicatedFirst ? dedicated : shared);
                    double second = mbps(c, dedicatedFirst ? shared : dedicated);
                    d.add(dedicatedFirst ? first : second);
                    s.add(dedicatedFirst ? second : first);
                }
                double[] da = Stats.toArray(d);
                double[] sa = Stats.toArray(s);
                ratios[f] = Stats.median(sa) / Stats.median(da);
                t.row(String.valueOf(f + 1), Stats.range(da, "%.0f"), Stats.range(sa, "%.0f"), Stats.fmt("%.2fx", ratios[f]));
                System.out.printf("   %s: fork %d/%d done%n", c.what(), f + 1, forks);
            } finally {
                dedicated.close();
                shared.close();
            }
        }
        double median = Stats.median(ratios);
        t.row("median of forks", "", "", Stats.fmt("%.2fx", median));
        report.paragraph("**" + c.what() + "** (" + c.bytes() / 1_000_000 + " MB per transfer)");
        report.table(t);
        report.verdict(c.what(), "`SHARED_POLLER` within 15 % of the default transport (median of " + forks + " forks)",
                Stats.fmt("%.2fx", median) + " (forks " + Stats.fmt("%.2f", Stats.min(ratios)) + "-"
                        + Stats.fmt("%.2f", Stats.max(ratios)) + ")", median >= 0.85);
        report.endVerdicts();
    }

    private static double mbps(Comparison c, ChildJvm child) {
        return c.bytes() / 1e6 / ReadScenario.seconds(c.transfer().applyAsLong(child));
    }
}
