package dev.reactorfifo.bench;

import dev.reactorfifo.NamedPipe;
import java.io.BufferedReader;
import java.io.FileOutputStream;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.reactivestreams.Subscription;
import reactor.core.publisher.BaseSubscriber;
import reactor.core.publisher.Flux;

/**
 * Scenario 4: a writer (a thread of the harness) pushes 100-byte lines as fast as the pipe takes
 * them into a reader child JVM whose subscriber takes 1,000 lines per second. The child reports
 * its live heap after a full GC and its RSS at two moments. The control contender reads with a
 * {@code Flux.create} (default BUFFER strategy), which buffers whatever the writer sends.
 */
final class MemoryScenario {

    static final String HEAP = "-Xmx3g";

    private MemoryScenario() {
    }

    static void run(Context ctx, Report report) throws Exception {
        long duration = ctx.quick ? 3_000 : 10_000;
        long early = ctx.quick ? 1_000 : 2_000;
        int runs = ctx.quick ? 1 : Math.max(ctx.rounds, 5);
        report.section("4. Memory under a slow consumer");
        report.paragraph("The harness writes 100-byte lines in 64 KiB blocks as fast as the FIFO accepts them, for "
                + duration / 1000 + " s; the reader child (`" + HEAP + " -XX:+ExitOnOutOfMemoryError`) requests 10 lines "
                + "every 10 ms (1,000 lines/s). Live heap = heap used right after two `System.gc()` calls. "
                + runs + " runs; in each, both contenders run at the same time, each with its own FIFO and writer. The control is `Flux.create(sink -> readLine loop)` "
                + "(BUFFER strategy) with the loop on a thread of its own. The bar counts as met when the live heap "
                + "of `lines()` grows by less than 8 MB between the samples and stays under 64 MB.");
        String[] modes = {"lines", "create"};
        Map<String, List<double[]>> samples = new HashMap<>(); // mode -> {heapEarly, rssEarly, heapLate, rssLate, sentMB, oomSeconds}
        for (int r = 0; r < runs; r++) {
            // both contenders at once: heap after a full GC does not depend on the CPU they share,
            // and the scenario's 10 s per run are spent once instead of twice
            List<java.util.concurrent.CompletableFuture<double[]>> running = new ArrayList<>();
            for (String mode : modes) {
                running.add(java.util.concurrent.CompletableFuture.supplyAsync(() -> {
                    try {
                        return once(ctx, mode, duration, early);
                    } catch (Exception e) {
                        throw new java.util.concurrent.CompletionException(e);
                    }
                }));
            }
            for (int m = 0; m < modes.length; m++) {
                samples.computeIfAbsent(modes[m], k -> new ArrayList<>()).add(running.get(m).join());
            }
            System.out.printf("   memory: run %d/%d done%n", r + 1, runs);
        }
        Table t = new Table("reader", "live heap at " + early / 1000 + " s, MB", "at " + duration / 1000 + " s, MB",
                "RSS at " + early / 1000 + " s, MB", "at " + duration / 1000 + " s, MB", "writer sent, MB", "lines consumed", "OOM");
        String[] labels = {"`lines()`", "control: `Flux.create` BUFFER"};
        double linesGrowth = Double.NaN;
        for (int m = 0; m < modes.length; m++) {
            List<double[]> s = samples.get(modes[m]);
            double[][] col = new double[7][];
            for (int c = 0; c < 7; c++) {
                final int i = c;
                col[c] = s.stream().mapToDouble(x -> x[i]).filter(v -> !Double.isNaN(v)).toArray();
            }
            long ooms = s.stream().filter(x -> !Double.isNaN(x[5])).count();
            String oom = ooms == 0 ? "none" : ooms + "/" + s.size() + " runs, after " + Stats.range(col[5], "%.1f") + " s";
            t.row(labels[m], Stats.range(col[0], "%.1f"), col[2].length == 0 ? "(dead)" : Stats.range(col[2], "%.1f"),
                    Stats.range(col[1], "%.0f"), col[3].length == 0 ? "(dead)" : Stats.range(col[3], "%.0f"), Stats.range(col[4], "%.1f"),
                    Stats.range(col[6], "%.0f"), oom);
            if (m == 0) {
                linesGrowth = Stats.median(col[2]) - Stats.median(col[0]);
            }
        }
        report.table(t);
        List<double[]> ls = samples.get("lines");
        double maxLate = ls.stream().mapToDouble(x -> x[2]).max().orElse(Double.NaN);
        double maxSent = ls.stream().mapToDouble(x -> x[4]).max().orElse(Double.NaN);
        boolean flat = Math.abs(linesGrowth) < 8 && maxLate < 64;
        report.verdict("memory", "`lines()` heap flat while the writer blocks",
                Stats.fmt("%+.1f MB", linesGrowth) + " between samples (median), at most " + Stats.fmt("%.1f", maxLate)
                        + " MB live; writer could send at most " + Stats.fmt("%.1f", maxSent) + " MB", flat);
        report.endVerdicts();
    }

    /** @return {heapEarlyMB, rssEarlyMB, heapLateMB, rssLateMB, sentMB, oomSeconds or NaN, linesConsumed} */
    private static double[] once(Context ctx, String mode, long duration, long early) throws Exception {
        Path fifo = ctx.newFifo("slow-" + mode);
        AtomicLong sent = new AtomicLong();
        long t0 = System.nanoTime();
        Thread writer = new Thread(() -> push(fifo, sent, t0 + (duration + 2_000) * 1_000_000L), "memory-writer");
        writer.setDaemon(true);
        double[] result = {Double.NaN, Double.NaN, Double.NaN, Double.NaN, Double.NaN, Double.NaN, Double.NaN};
        try (ChildJvm child = ctx.child("slow-" + mode, List.of(HEAP, "-XX:+ExitOnOutOfMemoryError"), "slow-consumer",
                mode, fifo.toString(), String.valueOf(duration), String.valueOf(early))) {
            writer.start();
            for (int i = 0; i < 2; i++) {
                String line;
                try {
                    line = child.receive(duration + 60_000);
                } catch (IllegalStateException died) {
                    result[5] = (System.nanoTime() - t0) / 1e9;
                    break;
                }
                if (line.contains("OutOfMemoryError")) { // -XX:+ExitOnOutOfMemoryError says so on stdout, then exits
                    result[5] = (System.nanoTime() - t0) / 1e9;
                    break;
                }
                String[] w = line.split("\\s+"); // sample MILLIS HEAP RSS CONSUMED
                if (w.length != 5 || !w[0].equals("sample")) {
                    throw new IllegalStateException("slow-" + mode + ": unexpected answer '" + line + "'");
                }
                result[2 * i] = Long.parseLong(w[2]) / 1e6;
                result[2 * i + 1] = Long.parseLong(w[3]) / 1e6;
                result[6] = Long.parseLong(w[4]);
            }
        }
        writer.join(30_000);
        result[4] = sent.get() / 1e6;
        return result;
    }

    /** Writes blocks of lines into the FIFO until the reader goes away or the deadline passes. */
    private static void push(Path fifo, AtomicLong sent, long deadline) {
        String[] pool = Lines.pool(100);
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < 655; i++) {
            sb.append(pool[i % pool.length]).append('\n');
        }
        byte[] block = sb.toString().getBytes(StandardCharsets.US_ASCII);
        try (FileOutputStream out = new FileOutputStream(fifo.toFile())) {
            while (System.nanoTime() < deadline) {
                out.write(block);
                sent.addAndGet(block.length);
            }
        } catch (IOException brokenPipe) {
            // the reader exited: done
        }
    }

    // ---- child side ----------------------------------------------------------------------------

    /** slow-consumer MODE FIFO DURATION_MS EARLY_MS: answers {@code sample MILLIS HEAP RSS CONSUMED} twice, then exits. */
    static void child(String[] args) throws Exception {
        String mode = args[0];
        Path fifo = Path.of(args[1]);
        long duration = Long.parseLong(args[2]);
        long early = Long.parseLong(args[3]);
        Flux<String> source;
        if (mode.equals("lines")) {
            source = NamedPipe.of(fifo).lines();
        } else {
            // the reading loop gets a thread of its own: under subscribeOn() it would occupy the worker
            // that must also deliver the subscriber's request() calls, starving them
            source = Flux.<String>create(sink -> {
                Thread reader = new Thread(() -> {
                    try (BufferedReader r = Files.newBufferedReader(fifo)) {
                        String line;
                        while ((line = r.readLine()) != null && !sink.isCancelled()) {
                            sink.next(line);
                        }
                        sink.complete();
                    } catch (IOException e) {
                        sink.error(e);
                    }
                }, "control-reader");
                reader.setDaemon(true);
                reader.start();
            });
        }
        AtomicLong consumed = new AtomicLong();
        ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor();
        BaseSubscriber<String> slow = new BaseSubscriber<>() {
            @Override
            protected void hookOnSubscribe(Subscription s) {
                timer.scheduleAtFixedRate(() -> s.request(10), 10, 10, TimeUnit.MILLISECONDS);
            }

            @Override
            protected void hookOnNext(String line) {
                consumed.incrementAndGet();
            }
        };
        long t0 = System.nanoTime();
        source.subscribe(slow);
        sleepUntil(t0 + early * 1_000_000L);
        sample(t0, consumed);
        sleepUntil(t0 + duration * 1_000_000L);
        sample(t0, consumed);
        Runtime.getRuntime().halt(0); // the control's reading thread may be anywhere; do not wait for it
    }

    private static void sleepUntil(long nanoTime) throws InterruptedException {
        long left;
        while ((left = nanoTime - System.nanoTime()) > 0) {
            TimeUnit.NANOSECONDS.sleep(left);
        }
    }

    private static void sample(long t0, AtomicLong consumed) throws IOException {
        System.gc();
        System.gc();
        long heap = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
        long rss = 0;
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith("VmRSS:")) {
                rss = Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
            }
        }
        Child.answer("sample " + (System.nanoTime() - t0) / 1_000_000 + " " + heap + " " + rss + " " + consumed.get());
    }
}
