package dev.reactorfifo.bench;

import dev.reactorfifo.NamedPipe;
import java.io.BufferedReader;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import reactor.core.publisher.Flux;

/**
 * Scenario 6: N FIFOs (up to 10,000), ONE writer process for all of them, a line every 100 ms on
 * each. The writer is the native {@link FifoDriver} ({@code fifo-driver.c}): non-blocking
 * descriptors (a FIFO whose reader is not there yet is tried again at its next slot), FIFO i
 * written at phase i x 100 ms / N, so the load is a steady N x 10 lines/s. Every line carries its
 * send time from {@code CLOCK_MONOTONIC}, the clock of {@code System.nanoTime()} on Linux, so the
 * reader child JVM (default {@code lines()} on every FIFO, descriptor limit raised to the hard
 * limit) computes each line's delivery delay itself. While the writer runs, the harness samples
 * the reader's threads every 50 ms from {@code /proc} ({@link ProcFs#fifoCalls}) and keeps the
 * largest number inside a FIFO system call.
 */
final class ConcurrencyScenario {

    static final int PERIOD_MS = 100;

    private ConcurrencyScenario() {
    }

    /** One run at one N. */
    private record Run(long open, long openMs, long served, long received, long written, long dropped, long p50, long p99, long max,
            long errors, long completed, int maxInFifo, String maxInFifoWhat, int maxThreads, int samples, long lateUs,
            long steadyP99) {
    }

    static void run(Context ctx, Report report) throws Exception {
        int runs = ctx.quick ? 1 : 3;
        int[] sizes = ctx.quick ? new int[] {100, 1000} : new int[] {100, 1000, 10_000};
        long durationMs = ctx.quick ? 3_000 : 5_000;
        report.section("6. Concurrency: N FIFOs, one writer process, a line every 100 ms on each");
        report.paragraph("One writer process for all N FIFOs: `fifo-driver.c`, compiled with gcc at run time, "
                + "non-blocking descriptors (a FIFO without a reader yet is tried again at its next slot, a full pipe "
                + "drops the line and counts it), FIFO i written at i x 100 ms / N so the load is N x 10 lines/s, for "
                + durationMs / 1000 + " s. Each line carries its `CLOCK_MONOTONIC` send time (the clock of "
                + "`System.nanoTime()`), taken right before its `write(2)`; the reader child JVM (`-Xmx1g`, default "
                + "`lines()` on every FIFO, soft descriptor limit raised to the hard one) subscribes to all N, waits until "
                + "its FIFO descriptors (`/proc/self/fd`) stop growing (all N open, or none added for 2 s), then the writer "
                + "starts; the reader records every line's delivery delay (the bar is judged on all lines; the column of lines "
                + "sent after the first second leaves out the start, where the reader's JIT is still cold). \"First line within 1 s\" counts the FIFOs whose "
                + "first line arrived within 1 s of the writer's start. \"In a FIFO system call\" is sampled every 50 ms "
                + "from `/proc/PID/task/*/syscall` while the writer runs: a reader thread blocked in read/write on a "
                + "FIFO descriptor, in poll/ppoll with a FIFO in its pollfd array, in epoll_wait on an epoll set "
                + "holding a FIFO, or in an open of a FIFO path, sleeping (S) or runnable (R) in it (the largest sample is shown, "
                + "with its calls). "
                + runs + " run(s) per N, each with a fresh reader JVM and writer process.");
        List<List<Run>> all = new ArrayList<>();
        long hardLimit = FifoDriver.hardDescriptorLimit();
        for (int n : sizes) {
            Path dir = FifoDriver.fifos(ctx, "conc-" + n, n);
            List<Run> rs = new ArrayList<>();
            for (int r = 0; r < runs; r++) {
                if (hardLimit < n + FifoDriver.SPARE_DESCRIPTORS) {
                    // each side needs N descriptors plus its own; a run that cannot open them all fails its rows
                    System.out.printf("   concurrency: N=%d skipped: the hard descriptor limit (ulimit -Hn) is %d, below N + %d%n",
                            n, hardLimit, FifoDriver.SPARE_DESCRIPTORS);
                    rs.add(new Run(0, 0, 0, 0, -1, -1, -1, -1, -1, 0, 0, -1, "not run: ulimit -Hn " + hardLimit, 0, 0, -1, -1));
                    continue;
                }
                rs.add(once(ctx, dir, n, durationMs));
                System.out.printf("   concurrency: N=%d run %d/%d done%n", n, r + 1, runs);
            }
            all.add(rs);
        }
        Table t = new Table("N", "FIFOs open before the writer started (ms after subscribing)", "first line within 1 s", "delay p50 ms", "p99 ms", "p99 of lines sent after the first second, ms", "max ms", "lines received / written",
                "dropped (pipe full)", "reader threads in a FIFO syscall, max of samples", "reader threads",
                "writer behind schedule, ms");
        for (int s = 0; s < sizes.length; s++) {
            int n = sizes[s];
            List<Run> rs = all.get(s);
            Run worst = rs.stream().max((a, b) -> Integer.compare(a.maxInFifo, b.maxInFifo)).orElseThrow();
            t.row(String.valueOf(n), rs.stream().mapToLong(Run::open).min().orElse(0) + " of " + n + ", the last after "
                    + rs.stream().mapToLong(Run::openMs).max().orElse(0) + " ms (worst run)", range(rs, Run::served) + " of " + n, ms(rs, Run::p50), ms(rs, Run::p99), ms(rs, Run::steadyP99), ms(rs, Run::max),
                    range(rs, Run::received) + " / "
                            + (rs.stream().anyMatch(x -> x.written < 0) ? "unknown (the writer died)" : range(rs, Run::written)),
                    rs.stream().anyMatch(x -> x.dropped < 0) ? "unknown" : range(rs, Run::dropped),
                    worst.maxInFifo + " (" + worst.maxInFifoWhat + "; " + worst.samples + " samples)",
                    range(rs, x -> x.maxThreads), rs.stream().anyMatch(x -> x.lateUs < 0) ? "unknown"
                            : Stats.range(rs.stream().mapToDouble(x -> x.lateUs / 1000.0).toArray(), "%.1f"));
        }
        report.table(t);
        StringBuilder served = new StringBuilder();
        StringBuilder p99 = new StringBuilder();
        StringBuilder threads = new StringBuilder();
        boolean servedMet = true;
        boolean p99Met = true;
        boolean threadsMet = true;
        for (int s = 0; s < sizes.length; s++) {
            int n = sizes[s];
            List<Run> rs = all.get(s);
            long worstServed = rs.stream().mapToLong(Run::served).min().orElse(0);
            long worstP99 = rs.stream().mapToLong(Run::p99).max().orElse(Long.MAX_VALUE);
            int mostIn = rs.stream().mapToInt(Run::maxInFifo).max().orElse(Integer.MAX_VALUE);
            String sep = s == 0 ? "" : "; ";
            served.append(sep).append("N=").append(n).append(": ").append(worstServed).append(" of ").append(n);
            // a line that never arrived has no delay to rank: the p99 of the lines that did arrive only counts
            // when every FIFO delivered and no written line is missing
            long missing = rs.stream().mapToLong(x -> x.written < 0 ? Long.MAX_VALUE : x.written + x.dropped - x.received).max().orElse(0);
            long ended = rs.stream().mapToLong(x -> x.completed + x.errors).max().orElse(0);
            p99.append(sep).append("N=").append(n).append(": ").append(worstP99 < 0 ? "no lines" : Stats.fmt("%.1f ms", worstP99 / 1e6))
                    .append(worstServed < n ? " (only " + worstServed + " FIFOs delivered)" : "")
                    .append(missing == Long.MAX_VALUE ? " (lines written unknown: the writer died or the run was skipped)"
                            : missing > 0 ? " (" + missing + " lines written or dropped never arrived)" : "")
                    .append(ended > 0 ? " (" + ended + " subscriptions ended early: EOF or error)" : "");
            // a run whose reader was never sampled (the writer died at once) proves nothing: it fails the bar
            boolean unsampled = rs.stream().anyMatch(x -> x.samples == 0 || x.maxInFifo < 0);
            threads.append(sep).append("N=").append(n).append(": ").append(unsampled ? "not sampled in every run" : String.valueOf(mostIn));
            servedMet &= worstServed == n;
            p99Met &= worstP99 >= 0 && worstP99 < 50_000_000L && worstServed == n && missing == 0 && ended == 0;
            threadsMet &= !unsampled && mostIn <= 2;
        }
        String scope = "concurrency N<=" + sizes[sizes.length - 1];
        report.verdict(scope, "every reader's first line within 1 s (worst run)", served.toString(), servedMet);
        report.verdict(scope, "delivery delay p99 < 50 ms (worst run)", p99.toString(), p99Met);
        report.verdict(scope, "at most 2 reader threads inside a FIFO system call at any sample", threads.toString(), threadsMet);
        report.endVerdicts();
    }

    private static Run once(Context ctx, Path dir, int n, long durationMs) {
        try (ChildJvm reader = ctx.child("conc-reader-" + n, Path.of(System.getProperty("java.home")), true,
                List.of("-Xmx1g"), "conc-reader", dir.toString(), String.valueOf(n));
                ChildJvm writer = FifoDriver.start(ctx, "conc-writer-" + n, "w", dir, n)) {
            try {
                String[] opened = reader.receiveOk(180_000); // every FIFO subscribed: OPEN_FDS MS_UNTIL_THE_LAST_OPENED
                String[] started;
                try {
                    started = writer.call("tick " + PERIOD_MS + " " + durationMs, 30_000);
                } catch (IllegalStateException writerDied) {
                    // a row that fails, not a harness that stops: nothing was written, nothing served
                    System.out.println("   concurrency: the writer died before it started: "
                            + writerDied.getMessage().lines().findFirst().orElse(""));
                    return new Run(Long.parseLong(opened[0]), Long.parseLong(opened[1]), 0, 0, -1, -1, -1, -1, -1, 0, 0,
                            -1, "not sampled", 0, 0, -1, -1);
                }
                long t0 = Long.parseLong(started[1]);
                reader.send("go " + t0 + " " + durationMs);
                int maxIn = -1;
                String maxWhat = "";
                int maxThreads = 0;
                int samples = 0;
                String[] done = null;
                long deadline = System.nanoTime() + (durationMs + 60_000) * 1_000_000L;
                try {
                    String line;
                    while ((line = writer.tryReceive(50)) == null && System.nanoTime() < deadline) {
                        ProcFs.FifoCalls c = ProcFs.fifoCalls(reader.pid());
                        samples++;
                        maxThreads = Math.max(maxThreads, c.threads());
                        if (c.inFifoCall() > maxIn) {
                            maxIn = c.inFifoCall();
                            maxWhat = c.describe();
                        }
                    }
                    done = line == null ? null : line.trim().split("\\s+"); // ok done WRITTEN EAGAIN OPENED LATE_US
                } catch (IllegalStateException writerDied) {
                    System.out.println("   concurrency: the writer died: " + writerDied.getMessage().lines().findFirst().orElse(""));
                }
                // ok SERVED RECEIVED P50 P99 MAX ERRORS COMPLETED STEADY_P99
                String[] w = reader.receiveOk(durationMs + 60_000);
                long written = done != null && done.length >= 6 ? Long.parseLong(done[2]) : -1;
                long dropped = done != null && done.length >= 6 ? Long.parseLong(done[3]) : -1;
                long late = done != null && done.length >= 6 ? Long.parseLong(done[5]) : -1;
                return new Run(Long.parseLong(opened[0]), Long.parseLong(opened[1]), Long.parseLong(w[0]), Long.parseLong(w[1]), written, dropped, Long.parseLong(w[2]),
                        Long.parseLong(w[3]), Long.parseLong(w[4]), Long.parseLong(w[5]), Long.parseLong(w[6]),
                        maxIn, maxWhat, maxThreads, samples, late, Long.parseLong(w[7]));
            } finally {
                reader.kill(); // its subscriptions never end by themselves
            }
        }
    }

    private static String range(List<Run> rs, java.util.function.ToLongFunction<Run> f) {
        return Stats.range(rs.stream().mapToDouble(x -> f.applyAsLong(x)).toArray(), "%.0f");
    }

    private static String ms(List<Run> rs, java.util.function.ToLongFunction<Run> f) {
        double[] v = rs.stream().mapToLong(f).filter(x -> x >= 0).mapToDouble(x -> x / 1e6).toArray();
        return v.length == 0 ? "no lines" : Stats.range(v, "%.2f");
    }

    // ---- child side ----------------------------------------------------------------------------

    /**
     * conc-reader DIR N: subscribes {@code lines()} to DIR/f0 .. f(N-1), waits for the opens and
     * answers {@code ok OPEN_FDS MS_UNTIL_THE_LAST_OPEN}; on
     * {@code go T0 DURATION_MS} waits until T0 + DURATION + 500 ms (lines in flight) and answers
     * {@code ok SERVED RECEIVED P50 P99 MAX ERRORS COMPLETED STEADY_P99}, delays in ns.
     */
    static void reader(String[] args, BufferedReader commands) throws Exception {
        Path dir = Path.of(args[0]);
        int n = Integer.parseInt(args[1]);
        AtomicLongArray first = new AtomicLongArray(n);
        DelayHistogram delays = new DelayHistogram();
        DelayHistogram steady = new DelayHistogram(); // lines sent 1 s or more after the writer started
        AtomicLong steadyFrom = new AtomicLong(Long.MAX_VALUE);
        AtomicLong received = new AtomicLong();
        AtomicLong errors = new AtomicLong();
        AtomicLong completed = new AtomicLong();
        warmUp();
        for (int i = 0; i < n; i++) {
            final int index = i;
            NamedPipe.of(dir.resolve("f" + i)).lines().subscribe(line -> {
                long now = System.nanoTime();
                first.compareAndSet(index, 0, now);
                long sent = sentAt(line);
                delays.record(now - sent);
                if (sent >= steadyFrom.get()) {
                    steady.record(now - sent);
                }
                received.incrementAndGet();
            }, error -> {
                errors.incrementAndGet();
                System.err.println("f" + index + ": " + error);
            }, completed::incrementAndGet);
        }
        // wait until every FIFO is open (or no descriptor was added for 2 s, or 60 s), so that the first
        // second measures delivery and not a backlog of opens; how long that took is reported on its own
        long subscribed = System.nanoTime();
        long lastGrowth = subscribed;
        int open = 0;
        while (open < n && System.nanoTime() - lastGrowth < 2_000_000_000L && System.nanoTime() - subscribed < 60_000_000_000L) {
            TimeUnit.MILLISECONDS.sleep(50);
            int now = IdleScenario.fifoFds(dir);
            if (now > open) {
                open = now;
                lastGrowth = System.nanoTime();
            }
        }
        long openMs = (lastGrowth - subscribed) / 1_000_000;
        TimeUnit.MILLISECONDS.sleep(300); // let the subscriptions settle into their wait
        Child.answer("ok " + open + " " + openMs);
        String go = commands.readLine();
        if (go == null || !go.startsWith("go ")) {
            return;
        }
        String[] w = go.split(" ");
        long t0 = Long.parseLong(w[1]);
        steadyFrom.set(t0 + 1_000_000_000L);
        long end = t0 + (Long.parseLong(w[2]) + 500) * 1_000_000L;
        long left;
        while ((left = end - System.nanoTime()) > 0) {
            TimeUnit.NANOSECONDS.sleep(left);
        }
        long served = 0;
        for (int i = 0; i < n; i++) {
            long at = first.get(i);
            if (at != 0 && at - t0 <= 1_000_000_000L) {
                served++;
            }
        }
        Child.answer("ok " + served + " " + received.get() + " " + delays.percentile(50) + " " + delays.percentile(99)
                + " " + delays.percentile(100) + " " + errors.get() + " " + completed.get() + " " + steady.percentile(99));
        System.err.println("reader JVM threads at the end: " + ManagementFactory.getThreadMXBean().getThreadCount());
        commands.readLine(); // killed by the harness
    }

    /** The send time of a driver line "SEQ SEND_NS". */
    private static long sentAt(String line) {
        long v = 0;
        for (int i = line.indexOf(' ') + 1; i < line.length(); i++) {
            v = v * 10 + (line.charAt(i) - '0');
        }
        return v;
    }

    /**
     * Reads one line through a private FIFO first, so that class loading and the native binding's
     * start-up are not counted against the first second.
     */
    static void warmUp() throws Exception {
        NamedPipe pipe = NamedPipe.createTemp();
        try {
            Process p = new ProcessBuilder("sh", "-c", "echo warm > " + Shell.quote(pipe.path())).start();
            Flux<String> flux = pipe.lines();
            flux.blockLast(java.time.Duration.ofSeconds(30));
            p.waitFor();
        } finally {
            pipe.deleteIfExists();
        }
    }
}
