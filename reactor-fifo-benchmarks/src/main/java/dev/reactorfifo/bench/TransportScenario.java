package dev.reactorfifo.bench;

import dev.reactorfifo.FifoTransport;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;

/**
 * Scenario 7: one pipe, {@code SHARED_POLLER} against the default transport, read and write
 * throughput, judged inside one JVM per fork across several forks.
 *
 * <p>Why: the same reader code, in fresh child JVMs started one after the other, settles at
 * anything from about 450 to 850 MB/s on 20-byte lines and then stays there for every transfer
 * that JVM makes. Comparing two transports in two JVMs, as scenarios 1 and 2 compare
 * contenders, therefore measures the luck of two JVM starts as much as the transports, and that
 * luck is wider than the 15 % the bar allows. Here each fork is one fresh JVM that runs both
 * transports, alternating in ABBA order after warming both up, and gives one ratio; the bar is
 * judged on the median of the forks' ratios, and the table shows every fork.
 */
final class TransportScenario {

    /** One comparison: how to start a fork's child and make one timed transfer with a transport. */
    private record Comparison(String what, long bytes, Supplier<ChildJvm> start, Transfer transfer) {
    }

    @FunctionalInterface
    private interface Transfer {
        /** @param checked whether to check the transfer's content (the reader's count or bytes) */
        long run(ChildJvm child, FifoTransport transport, boolean checked);
    }

    private TransportScenario() {
    }

    static void run(Context ctx, Report report) throws Exception {
        int forks = ctx.quick ? 2 : 6;
        int measured = ctx.quick ? 2 : 4;
        report.section("7. Transports, one pipe: `SHARED_POLLER` against the default, in one JVM per fork");
        report.paragraph("The same transfers as scenarios 1 and 2 (reads from `cat file > fifo`, " + ctx.dataBytes / 1_000_000
                + " MB; `writeLines` with atomicLines=true into `cat fifo > /dev/null`, " + ctx.writeBytes / 1_000_000
                + " MB), compared inside one JVM and repeated over " + forks + " forks. Each fork is a fresh child "
                + "JVM (`-Xmx1g`) that makes " + ctx.warmups + " unmeasured transfers with each transport (every "
                + "read counts its lines; the first write of each transport is counted byte for byte with `wc -c`), "
                + "then " + measured + " measured ones with each in ABBA order; its ratio is the median shared "
                + "transfer over the median default one. Why: the same code in fresh JVMs settles anywhere "
                + "between about 450 and 850 MB/s on 20-byte lines and keeps that speed for as long as the JVM "
                + "lives, which is wider than the 15 % the bar allows, so comparing two JVMs would judge two JVM "
                + "starts rather than two transports. The bar is judged on the median of the forks' ratios; "
                + "the min-max over forks is shown with it.");
        for (int lineBytes : new int[] {100, 20}) {
            Path data = ctx.dataFile(lineBytes, ctx.dataBytes);
            long bytes = Files.size(data);
            long lines = bytes / lineBytes;
            Path fifo = ctx.newFifo("transport-read" + lineBytes);
            ReadScenario.Contender reader = new ReadScenario.Contender("lines-ab", "", null, false);
            compare(ctx, report, forks, measured, new Comparison("read " + lineBytes + " B", bytes,
                    () -> ctx.child("transport-read-" + lineBytes, List.of("-Xmx1g"), "read", "lines-ab"),
                    (child, transport, checked) -> ReadScenario.transfer(ctx, reader, child, transport.name(), fifo, data, lines)));
        }
        for (int lineBytes : new int[] {100, 20}) {
            Path data = ctx.dataFile(lineBytes, ctx.writeBytes);
            long bytes = Files.size(data);
            long lines = bytes / lineBytes;
            Path fifo = ctx.newFifo("transport-write" + lineBytes);
            WriteScenario.Contender writer = new WriteScenario.Contender("writeLines-ab", "");
            compare(ctx, report, forks, measured, new Comparison("write " + lineBytes + " B", bytes,
                    () -> ctx.child("transport-write-" + lineBytes, List.of("-Xmx1g"), "write", "writeLines-ab",
                            String.valueOf(lineBytes), String.valueOf(lines)),
                    (child, transport, checked) -> WriteScenario.transfer(writer, child, transport.name(), fifo, data,
                            checked ? bytes : -1)));
        }
    }

    private static void compare(Context ctx, Report report, int forks, int measured, Comparison c) {
        Table t = new Table("fork", "default MB/s, each transfer", "`SHARED_POLLER` MB/s, each transfer", "shared / default");
        double[] ratios = new double[forks];
        for (int f = 0; f < forks; f++) {
            ChildJvm child = c.start().get();
            try {
                for (int w = 0; w < ctx.warmups; w++) {
                    c.transfer().run(child, FifoTransport.DEDICATED_THREAD, w == 0);
                    c.transfer().run(child, FifoTransport.SHARED_POLLER, w == 0);
                }
                List<Double> d = new ArrayList<>();
                List<Double> s = new ArrayList<>();
                for (int m = 0; m < measured; m++) {
                    boolean dedicatedFirst = (m + f) % 2 == 0;
                    for (FifoTransport transport : dedicatedFirst
                            ? new FifoTransport[] {FifoTransport.DEDICATED_THREAD, FifoTransport.SHARED_POLLER}
                            : new FifoTransport[] {FifoTransport.SHARED_POLLER, FifoTransport.DEDICATED_THREAD}) {
                        double mbps = c.bytes() / 1e6 / ReadScenario.seconds(c.transfer().run(child, transport, false));
                        (transport == FifoTransport.SHARED_POLLER ? s : d).add(mbps);
                    }
                }
                double[] da = Stats.toArray(d);
                double[] sa = Stats.toArray(s);
                ratios[f] = Stats.median(sa) / Stats.median(da);
                t.row(String.valueOf(f + 1), Stats.range(da, "%.0f"), Stats.range(sa, "%.0f"), Stats.fmt("%.2fx", ratios[f]));
                System.out.printf("   %s: fork %d/%d done%n", c.what(), f + 1, forks);
            } finally {
                child.close();
            }
        }
        double median = Stats.median(ratios);
        t.row("median of forks", "", "", Stats.fmt("%.2fx", median));
        report.paragraph("**" + c.what() + "** (" + c.bytes() / 1_000_000 + " MB per transfer)");
        report.table(t);
        report.verdict(c.what(), "`SHARED_POLLER` at most 15 % slower than the default transport (median of " + forks + " forks)",
                Stats.fmt("%.2fx", median) + " (forks " + Stats.fmt("%.2f", Stats.min(ratios)) + "-"
                        + Stats.fmt("%.2f", Stats.max(ratios)) + ")", median >= 0.85);
        report.endVerdicts();
    }
}
