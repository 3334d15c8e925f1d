package dev.reactorfifo.bench;

import dev.reactorfifo.NamedPipe;
import java.io.BufferedReader;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLongArray;
import jnr.constants.platform.OpenFlags;
import jnr.posix.POSIX;
import reactor.core.publisher.Flux;

/**
 * Scenario 6: N FIFOs, each with a writer sending a line every 10 ms. One reader child JVM
 * subscribes to all N (with the naive one-liner or with {@code lines()}, both on {@code boundedElastic()}); one writer child JVM serves all FIFOs from a single timer thread
 * with non-blocking descriptors (so that a writer never waits for a reader that is not there yet).
 * Both are told "go" at the same moment; after 1 s the reader counts the FIFOs whose first line
 * has arrived and the threads it holds.
 */
final class ConcurrencyScenario {

    static final Map<String, String> LABELS = Map.of("naive", "naive one-liner", "lines", "`lines()`");

    private ConcurrencyScenario() {
    }

    static void run(Context ctx, Report report) throws Exception {
        int runs = ctx.quick ? 1 : Math.max(ctx.rounds, 5);
        int[] sizes = ctx.quick ? new int[] {10, 1000} : new int[] {10, 50, 200, 1000};
        report.section("6. Concurrency: N FIFOs, a line every 10 ms on each");
        report.paragraph("One reader child JVM subscribes to all N FIFOs, one writer child JVM writes a line to each "
                + "FIFO every 10 ms from a single timer thread (non-blocking descriptors, so no writer waits for a reader that is "
                + "not there). Counted 1 s after writer and readers were told to start. " + runs + " runs per contender and N; "
                + "the contenders run side by side, each with its own FIFOs. Each reader first reads "
                + "one line through a private FIFO with each reader, so class loading and the native binding's "
                + "start-up are not counted. `boundedElastic()` is capped at 10 x " + Runtime.getRuntime().availableProcessors()
                + " cores = " + 10 * Runtime.getRuntime().availableProcessors() + " threads here.");
        Map<String, List<long[]>> results = new LinkedHashMap<>(); // "mode|N" -> {served, threads, waiting}
        String[] modes = {"naive", "lines"};
        try (ChildJvm writer = ctx.child("conc-writer", List.of("-Xmx256m"), "conc-writer")) {
            writer.receiveOk(60_000);
            for (int n : sizes) {
                runSize(ctx, writer, n, modes, runs, results);
            }
        }
        Table t = new Table("N", "reader", "readers with a first line within 1 s", "reader JVM threads (all)",
                "threads waiting on FIFOs");
        for (int n : sizes) {
            for (String mode : modes) {
                List<long[]> rs = results.get(mode + "|" + n);
                double[] served = rs.stream().mapToDouble(x -> x[0]).toArray();
                double[] threads = rs.stream().mapToDouble(x -> x[1]).toArray();
                double[] waiting = rs.stream().mapToDouble(x -> x[2]).toArray();
                t.row(String.valueOf(n), LABELS.get(mode),
                        Stats.range(served, "%.0f") + " of " + n, Stats.range(threads, "%.0f"), Stats.range(waiting, "%.0f"));
            }
        }
        report.table(t);
        int largest = sizes[sizes.length - 1];
        List<long[]> lines = results.get("lines|" + largest);
        long worstServed = lines.stream().mapToLong(x -> x[0]).min().orElse(0);
        long mostWaiting = lines.stream().mapToLong(x -> x[2]).max().orElse(Long.MAX_VALUE);
        report.verdict("concurrency N=" + largest, "`lines()`: every reader's first line within 1 s, at most 4 "
                        + "threads waiting on FIFOs",
                worstServed + " of " + largest + " in the worst run, at most " + mostWaiting + " waiting",
                worstServed == largest && mostWaiting <= 4);
        report.endVerdicts();
        report.paragraph("A reader that holds one blocked `boundedElastic()` thread per open FIFO serves only "
                + "as many FIFOs as the scheduler has threads. \"Threads waiting on FIFOs\" counts the "
                + "reader's threads inside a FIFO call (the library's poll, or the JDK's blocking open or read) at the "
                + "1 s mark.");
    }

    private static void runSize(Context ctx, ChildJvm writer, int n, String[] modes, int runs,
            Map<String, List<long[]>> results) throws Exception {
        // the contenders run side by side, each with its own FIFOs (one writer JVM serves them all):
        // their work is a line per FIFO per 10 ms, so they hardly compete, and it saves two thirds of the time
        Map<String, Path> dirs = new LinkedHashMap<>();
        for (String mode : modes) {
            Path dir = Files.createDirectories(ctx.temp.resolve("conc-" + n + "-" + mode));
            for (int i = 0; i < n; i++) {
                NamedPipe.create(dir.resolve("f" + i));
            }
            dirs.put(mode, dir);
        }
        for (int r = 0; r < runs; r++) {
            Map<String, ChildJvm> readers = new LinkedHashMap<>();
            try {
                for (String mode : modes) {
                    readers.put(mode, ctx.child("conc-reader-" + mode + "-" + n, List.of("-Xmx512m"), "conc-reader",
                            mode, dirs.get(mode).toString(), String.valueOf(n)));
                }
                for (ChildJvm reader : readers.values()) {
                    reader.receiveOk(60_000);
                }
                writer.send("go " + n + " " + String.join(" ", dirs.values().stream().map(Path::toString).toArray(String[]::new)));
                for (String mode : modes) {
                    readers.get(mode).send("go");
                }
                for (String mode : modes) {
                    String[] w = readers.get(mode).receiveOk(30_000);
                    results.computeIfAbsent(mode + "|" + n, k -> new ArrayList<>())
                            .add(new long[] {Long.parseLong(w[0]), Long.parseLong(w[1]), Long.parseLong(w[2])});
                }
            } finally {
                readers.values().forEach(ChildJvm::kill); // their stuck threads never end by themselves
            }
            writer.send("stop");
            writer.receiveOk(30_000);
        }
        System.out.printf("   concurrency: N=%d done%n", n);
    }

    // ---- child side ----------------------------------------------------------------------------

    /** conc-reader MODE DIR N: subscribes, answers ok; on "go" waits 1 s, answers {@code ok SERVED THREADS}. */
    static void reader(String[] args, BufferedReader commands) throws Exception {
        String mode = args[0];
        Path dir = Path.of(args[1]);
        int n = Integer.parseInt(args[2]);
        AtomicLongArray first = new AtomicLongArray(n);
        warmUp();
        for (int i = 0; i < n; i++) {
            Path fifo = dir.resolve("f" + i);
            Flux<String> flux = mode.equals("lines") ? NamedPipe.of(fifo).lines() : ReadScenario.naive(fifo);
            final int index = i;
            flux.subscribe(line -> first.compareAndSet(index, 0, System.nanoTime()), error -> { });
        }
        TimeUnit.MILLISECONDS.sleep(300); // let the scheduler start what it will start
        Child.answer("ok");
        if (!"go".equals(commands.readLine())) {
            return;
        }
        long t0 = System.nanoTime();
        TimeUnit.MILLISECONDS.sleep(1000);
        long served = 0;
        for (int i = 0; i < n; i++) {
            long at = first.get(i);
            if (at != 0 && at - t0 <= 1_000_000_000L) {
                served++;
            }
        }
        long waiting = Thread.getAllStackTraces().values().stream().filter(ConcurrencyScenario::waitsOnFifo).count();
        Child.answer("ok " + served + " " + ManagementFactory.getThreadMXBean().getThreadCount() + " " + waiting);
        commands.readLine(); // killed by the harness
    }

    /** A thread inside a FIFO call: the library's poll/read/open, or the JDK's blocking open or read. */
    private static boolean waitsOnFifo(StackTraceElement[] stack) {
        for (StackTraceElement frame : stack) {
            String c = frame.getClassName();
            if (c.equals("dev.reactorfifo.internal.Posix") || c.equals("sun.nio.ch.FileDispatcherImpl")
                    || c.equals("sun.nio.fs.UnixNativeDispatcher") || c.equals("java.io.FileInputStream")) {
                return true;
            }
        }
        return false;
    }

    /**
     * Reads one line through a private FIFO with each reader first, so that class loading and
     * the native binding's start-up (over 1 s when 20 threads wait for it at once, on a loaded
     * 2-core machine) are not counted against the 1 s.
     */
    private static void warmUp() throws Exception {
        NamedPipe pipe = NamedPipe.createTemp();
        try {
            for (int i = 0; i < 2; i++) {
                Process p = new ProcessBuilder("sh", "-c", "echo warm > " + Shell.quote(pipe.path())).start();
                Flux<String> flux = i == 0 ? pipe.lines() : ReadScenario.naive(pipe.path());
                flux.blockLast(java.time.Duration.ofSeconds(30));
                p.waitFor();
            }
        } finally {
            pipe.deleteIfExists();
        }
    }

    /**
     * conc-writer: answers ok; on each "go N DIR..." writes a line to each FIFO f0..f(N-1) of each DIR
     * every 10 ms, from one timer thread with non-blocking descriptors, until "stop"; then closes every
     * descriptor and answers ok.
     */
    static void writer(String[] args, BufferedReader commands) throws Exception {
        POSIX posix = PipeSize.posix();
        int flags = OpenFlags.O_WRONLY.intValue() | OpenFlags.O_NONBLOCK.intValue() | OpenFlags.O_CLOEXEC.intValue();
        Child.answer("ok");
        String command;
        while ((command = commands.readLine()) != null && command.startsWith("go ")) {
            String[] words = command.split(" ");
            int n = Integer.parseInt(words[1]);
            List<String> paths = new ArrayList<>();
            for (int d = 2; d < words.length; d++) {
                for (int i = 0; i < n; i++) {
                    paths.add(Path.of(words[d]).resolve("f" + i).toString());
                }
            }
            int[] fds = new int[paths.size()];
            java.util.Arrays.fill(fds, -1);
            ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor();
            long[] tick = {0};
            timer.scheduleAtFixedRate(() -> {
                byte[] line = ("line " + tick[0]++ + "\n").getBytes(StandardCharsets.US_ASCII);
                for (int i = 0; i < fds.length; i++) {
                    if (fds[i] < 0) {
                        fds[i] = posix.open(paths.get(i), flags, 0); // -1 (ENXIO) while no reader
                        if (fds[i] < 0) {
                            continue;
                        }
                    }
                    if (posix.write(fds[i], line, line.length) < 0 && posix.errno() == 32 /* EPIPE */) {
                        posix.close(fds[i]);
                        fds[i] = -1;
                    }
                }
            }, 0, 10, TimeUnit.MILLISECONDS);
            if (!"stop".equals(commands.readLine())) {
                return;
            }
            timer.shutdownNow();
            timer.awaitTermination(10, TimeUnit.SECONDS);
            for (int fd : fds) {
                if (fd >= 0) {
                    posix.close(fd);
                }
            }
            Child.answer("ok");
        }
    }
}
