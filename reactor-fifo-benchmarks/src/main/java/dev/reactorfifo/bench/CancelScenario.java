package dev.reactorfifo.bench;

import dev.reactorfifo.BrokenPipeException;
import dev.reactorfifo.NamedPipe;
import dev.reactorfifo.ReadOptions;
import java.io.BufferedWriter;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.OutputStreamWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;

/**
 * Scenario 5: how long from {@code dispose()} until the read descriptor is closed and the reading
 * thread is back in its pool, in three states; and from a reader's {@code kill -9} until a busy
 * writer fails. Measured inside one child JVM per contender and run: the descriptor is watched in
 * {@code /proc/self/fd}, the thread through a scheduler over a pool that counts running tasks.
 */
final class CancelScenario {

    static final String[] STATES = {"waiting for a writer", "waiting for data", "mid-stream"};

    private CancelScenario() {
    }

    static void run(Context ctx, Report report) throws Exception {
        int runs = ctx.quick ? 2 : Math.max(ctx.rounds, 5);
        int linesSamples = ctx.quick ? 10 : 30;
        int naiveSamples = ctx.quick ? 2 : 4;
        int naiveTimeout = 200;
        int brokenSamples = ctx.quick ? 10 : 20;
        report.section("5. Cancellation and broken-pipe latency");
        report.paragraph("One child JVM per contender and run, " + runs + " runs. Cancellation: the Flux runs on "
                + "`Schedulers.fromExecutorService` over a pool that counts running tasks; a fresh thread records "
                + "the time and calls `dispose()`; the clock stops when the reading task has returned to the pool "
                + "(timestamped in `afterExecute`) and `/proc/self/fd` no longer holds the read descriptor (checked "
                + "every ~60 µs without spinning, so as not to take a core from the threads measured). " + linesSamples + " samples per state for `lines()` after 5 unrecorded ones (timeout 2 s); "
                + naiveSamples + " for the naive one-liner (timeout " + naiveTimeout + " ms, after which the harness "
                + "releases it by writing or closing the other end). Broken pipe: a reader `cat fifo > /dev/null` "
                + "is killed with SIGKILL (`Process.destroyForcibly`) while the writer is busy; the clock stops in "
                + "the writer's error handler; " + brokenSamples + " samples per run. Per-run p50 and p99 (of the "
                + "run's samples) are summarised as median (min-max) over runs.");
        Map<String, List<String[]>> rows = new LinkedHashMap<>(); // key -> per run answers {p50, p99, released, total}
        for (int r = 0; r < runs; r++) {
            for (String mode : new String[] {"lines", "naive"}) {
                Path fifo = ctx.newFifo("cancel-" + mode);
                int n = mode.equals("lines") ? linesSamples : naiveSamples;
                int timeout = mode.equals("lines") ? 2_000 : naiveTimeout;
                try (ChildJvm child = ctx.child("cancel-" + mode, List.of("-Xmx512m"), "cancel", "cancel", mode,
                        fifo.toString(), String.valueOf(n), String.valueOf(timeout))) {
                    for (String state : STATES) {
                        rows.computeIfAbsent(mode + "|" + state, k -> new ArrayList<>()).add(child.receiveOk(120_000));
                    }
                }
            }
            for (String mode : new String[] {"plain", "rf"}) {
                Path fifo = ctx.newFifo("broken-" + mode);
                try (ChildJvm child = ctx.child("broken-" + mode, List.of("-Xmx512m"), "cancel", "broken", mode,
                        fifo.toString(), String.valueOf(brokenSamples))) {
                    rows.computeIfAbsent("broken|" + mode, k -> new ArrayList<>()).add(child.receiveOk(120_000));
                }
            }
            System.out.printf("   cancellation: run %d/%d done%n", r + 1, runs);
        }
        Table t = new Table("what", "contender", "p50 µs", "p99 µs", "released within timeout");
        double worstLinesP99 = 0;
        for (String state : STATES) {
            for (String mode : new String[] {"lines", "naive"}) {
                List<String[]> rs = rows.get(mode + "|" + state);
                double[] p50 = rs.stream().filter(x -> !x[0].equals("-")).mapToDouble(x -> Double.parseDouble(x[0])).toArray();
                double[] p99 = rs.stream().filter(x -> !x[1].equals("-")).mapToDouble(x -> Double.parseDouble(x[1])).toArray();
                long released = rs.stream().mapToLong(x -> Long.parseLong(x[2])).sum();
                long total = rs.stream().mapToLong(x -> Long.parseLong(x[3])).sum();
                t.row("cancel, " + state, mode.equals("lines") ? "`lines()`" : "naive one-liner",
                        p50.length == 0 ? "never" : Stats.microsRange(p50), p99.length == 0 ? "never" : Stats.microsRange(p99),
                        released + "/" + total);
                if (mode.equals("lines")) {
                    worstLinesP99 = Math.max(worstLinesP99, p99.length == 0 ? Double.POSITIVE_INFINITY : Stats.median(p99));
                    if (released < total) {
                        worstLinesP99 = Double.POSITIVE_INFINITY;
                    }
                }
            }
        }
        for (String mode : new String[] {"plain", "rf"}) {
            List<String[]> rs = rows.get("broken|" + mode);
            double[] p50 = rs.stream().mapToDouble(x -> Double.parseDouble(x[0])).toArray();
            double[] p99 = rs.stream().mapToDouble(x -> Double.parseDouble(x[1])).toArray();
            long released = rs.stream().mapToLong(x -> Long.parseLong(x[2])).sum();
            long total = rs.stream().mapToLong(x -> Long.parseLong(x[3])).sum();
            t.row("reader `kill -9` -> writer error", mode.equals("plain") ? "`BufferedWriter` loop (IOException)"
                    : "`writeLines` (BrokenPipeException)", Stats.microsRange(p50), Stats.microsRange(p99), released + "/" + total);
        }
        report.table(t);
        report.verdict("cancellation", "`lines()` releases descriptor and thread in every state (no bar set; p99 shown)",
                Double.isInfinite(worstLinesP99) ? "a sample was not released" : "worst state p99 " + Stats.micros(worstLinesP99) + " µs",
                !Double.isInfinite(worstLinesP99));
        report.endVerdicts();
    }

    // ---- child side ----------------------------------------------------------------------------

    static void child(String[] args) throws Exception {
        if (args[0].equals("cancel")) {
            cancel(args[1], Path.of(args[2]).toAbsolutePath(), Integer.parseInt(args[3]), Integer.parseInt(args[4]));
        } else {
            broken(args[1], Path.of(args[2]), Integer.parseInt(args[3]));
        }
    }

    /** A pool that knows how many of its tasks are running. */
    static final class CountingPool extends ThreadPoolExecutor {
        final AtomicInteger running = new AtomicInteger();
        /** When the last task returned: the exact moment its thread was free again. */
        volatile long lastFinished;

        CountingPool() {
            super(4, 4, 1, TimeUnit.MINUTES, new LinkedBlockingQueue<>());
        }

        @Override
        protected void beforeExecute(Thread t, Runnable r) {
            running.incrementAndGet();
        }

        @Override
        protected void afterExecute(Runnable r, Throwable t) {
            lastFinished = System.nanoTime();
            running.decrementAndGet();
        }
    }

    private static void cancel(String mode, Path fifo, int samples, int timeoutMillis) throws Exception {
        CountingPool pool = new CountingPool();
        Scheduler scheduler = Schedulers.fromExecutorService(pool, "bench-cancel");
        for (int s = 0; s < STATES.length; s++) {
            List<Long> times = new ArrayList<>();
            int warmups = mode.equals("lines") ? 5 : 0; // the naive reader cannot be sampled fast enough to warm up
            for (int i = -warmups; i < samples; i++) {
                long t = sample(mode, s, fifo, pool, scheduler, timeoutMillis);
                if (t >= 0 && i >= 0) {
                    times.add(t);
                }
            }
            long[] sorted = times.stream().mapToLong(Long::longValue).sorted().toArray();
            Child.answer("ok " + (sorted.length == 0 ? "- -" : Stats.percentile(sorted, 50) + " " + Stats.percentile(sorted, 99))
                    + " " + sorted.length + " " + samples);
        }
    }

    /** @return ns from dispose() to descriptor closed and thread free, or -1 if not within the timeout */
    private static long sample(String mode, int state, Path fifo, CountingPool pool, Scheduler scheduler, int timeoutMillis)
            throws Exception {
        AtomicBoolean gotLine = new AtomicBoolean();
        AtomicBoolean stopHelper = new AtomicBoolean();
        AtomicReference<OutputStream> helperStream = new AtomicReference<>();
        Thread helper = null;
        Flux<String> flux = mode.equals("lines")
                ? NamedPipe.of(fifo).lines(ReadOptions.defaults().scheduler(scheduler))
                : Flux.using(() -> Files.newBufferedReader(fifo), r -> Flux.fromStream(r.lines()), ReadScenario::closeQuietly)
                        .subscribeOn(scheduler);
        Disposable d = flux.subscribe(line -> gotLine.set(true), error -> { }, () -> { });
        if (state > 0) {
            boolean flowing = state == 2;
            helper = new Thread(() -> helperWrite(fifo, flowing, stopHelper, helperStream), "helper-writer");
            helper.start();
        }
        long deadline = System.nanoTime() + 5_000_000_000L;
        int fd = -1;
        while (System.nanoTime() < deadline) {
            fd = findReadFd(fifo);
            // waiting for a writer: the naive reader holds a thread blocked in open(2); lines() holds
            // its open descriptor and no thread (the shared poller waits for it)
            boolean ready = state == 0 ? (mode.equals("naive") ? pool.running.get() == 1 : fd >= 0) : gotLine.get();
            if (ready) {
                break;
            }
            Thread.sleep(1);
        }
        Thread.sleep(5);
        fd = findReadFd(fifo);
        AtomicLong t0 = new AtomicLong();
        Thread disposer = new Thread(() -> {
            t0.set(System.nanoTime());
            d.dispose();
        }, "disposer");
        disposer.setDaemon(true);
        disposer.start();
        // Watch without spinning: a spinning watcher would take one of the two cores from the
        // threads being measured. The thread-free moment is exact (afterExecute); the descriptor
        // is closed by the task before it returns, unless it was seen open after that moment.
        while (t0.get() == 0) {
            LockSupport.parkNanos(10_000);
        }
        long start = t0.get();
        long limit = start + timeoutMillis * 1_000_000L;
        long elapsed = -1;
        boolean openAfterFree = false;
        for (;;) {
            long now = System.nanoTime();
            boolean free = pool.running.get() == 0;
            boolean closed = fd < 0 || !isOpen(fd, fifo);
            if (free && closed) {
                elapsed = (openAfterFree ? now : Math.max(pool.lastFinished, start)) - start;
                break;
            }
            openAfterFree |= free;
            if (now > limit) {
                break;
            }
            LockSupport.parkNanos(10_000);
        }
        // release what is still stuck (only the naive reader ever is): the other end comes or goes
        stopHelper.set(true);
        if (state == 0 && pool.running.get() > 0) {
            try (FileOutputStream unblock = new FileOutputStream(fifo.toFile())) {
                unblock.flush();
            }
        }
        if (helper != null) {
            helper.join(200);
            OutputStream os = helperStream.get();
            if (os != null) {
                os.close();
            }
            helper.join(5_000);
        }
        long freeBy = System.nanoTime() + 5_000_000_000L;
        while (pool.running.get() > 0 || findReadFd(fifo) >= 0) {
            if (System.nanoTime() > freeBy) {
                throw new IllegalStateException(mode + ": the reader could not be released after the sample");
            }
            Thread.sleep(1);
        }
        disposer.join(5_000);
        return elapsed;
    }

    private static void helperWrite(Path fifo, boolean flowing, AtomicBoolean stop, AtomicReference<OutputStream> stream) {
        byte[] block = Lines.bytes(100, 655);
        try (FileOutputStream out = new FileOutputStream(fifo.toFile())) {
            stream.set(out);
            if (flowing) {
                while (!stop.get()) {
                    out.write(block);
                }
            } else {
                out.write("hello\n".getBytes(StandardCharsets.US_ASCII));
                while (!stop.get()) {
                    Thread.sleep(1);
                }
            }
        } catch (IOException | InterruptedException e) {
            // broken pipe after the reader closed, or closed by the sampler: done
        }
    }

    /** @return the descriptor number of a read-only descriptor on {@code fifo} in this process, or -1 */
    static int findReadFd(Path fifo) throws IOException {
        String target = fifo.toString();
        try (DirectoryStream<Path> fds = Files.newDirectoryStream(Path.of("/proc/self/fd"))) {
            for (Path fd : fds) {
                try {
                    if (Files.readSymbolicLink(fd).toString().equals(target)) {
                        int n = Integer.parseInt(fd.getFileName().toString());
                        for (String line : Files.readAllLines(Path.of("/proc/self/fdinfo/" + n))) {
                            if (line.startsWith("flags:") && (Integer.parseInt(line.substring(6).trim(), 8) & 3) == 0) {
                                return n;
                            }
                        }
                    }
                } catch (IOException | NumberFormatException gone) {
                    // closed while we looked: /proc reports that as NoSuchFileException, or as a plain
                    // IOException when the descriptor goes away between opening and reading its fdinfo
                }
            }
        }
        return -1;
    }

    private static boolean isOpen(int fd, Path fifo) {
        try {
            return Files.readSymbolicLink(Path.of("/proc/self/fd/" + fd)).toString().equals(fifo.toString());
        } catch (IOException e) {
            return false;
        }
    }

    /** broken MODE FIFO N: answers {@code ok p50 p99 failed total}: ns from SIGKILL of the reader to the writer's error. */
    private static void broken(String mode, Path fifo, int samples) throws Exception {
        String line = new String(Lines.pool(100)[0]);
        List<Long> times = new ArrayList<>();
        for (int i = 0; i < samples; i++) {
            Process cat = new ProcessBuilder("sh", "-c", "exec cat " + Shell.quote(fifo) + " > /dev/null").start();
            AtomicLong progress = new AtomicLong();
            AtomicLong t1 = new AtomicLong();
            AtomicReference<Throwable> error = new AtomicReference<>();
            CountDownLatch failed = new CountDownLatch(1);
            Disposable d = null;
            if (mode.equals("plain")) {
                Thread w = new Thread(() -> {
                    BufferedWriter out = null;
                    try {
                        out = new BufferedWriter(new OutputStreamWriter(new FileOutputStream(fifo.toFile()), StandardCharsets.UTF_8), 1 << 16);
                        for (;;) {
                            out.write(line);
                            out.write('\n');
                            progress.incrementAndGet();
                        }
                    } catch (IOException e) {
                        t1.set(System.nanoTime());
                        error.set(e);
                        failed.countDown();
                    }
                    try {
                        if (out != null) {
                            out.close();
                        }
                    } catch (IOException alsoBroken) {
                        // expected
                    }
                }, "plain-writer");
                w.setDaemon(true);
                w.start();
            } else {
                d = NamedPipe.of(fifo).writeLines(Flux.<String>generate(sink -> {
                    progress.incrementAndGet();
                    sink.next(line);
                })).subscribe(null, e -> {
                    t1.set(System.nanoTime());
                    error.set(e);
                    failed.countDown();
                });
            }
            long ready = System.nanoTime() + 5_000_000_000L;
            while (progress.get() < 100_000 && System.nanoTime() < ready) {
                Thread.sleep(1);
            }
            Thread.sleep(10);
            long t0 = System.nanoTime();
            cat.destroyForcibly();
            if (failed.await(2, TimeUnit.SECONDS)) {
                Throwable e = error.get();
                boolean expected = mode.equals("plain") ? e instanceof IOException : e instanceof BrokenPipeException;
                if (!expected) {
                    throw new IllegalStateException("unexpected writer error", e);
                }
                times.add(t1.get() - t0);
            } else if (d != null) {
                d.dispose();
            }
            cat.waitFor();
        }
        long[] sorted = times.stream().mapToLong(Long::longValue).sorted().toArray();
        Child.answer("ok " + Stats.percentile(sorted, 50) + " " + Stats.percentile(sorted, 99) + " " + sorted.length + " " + samples);
        System.err.println("broken " + mode + " samples: " + Arrays.toString(sorted));
    }
}
