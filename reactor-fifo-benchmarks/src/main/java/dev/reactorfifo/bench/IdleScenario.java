package dev.reactorfifo.bench;

import dev.reactorfifo.NamedPipe;
import java.io.BufferedReader;
import java.io.IOException;
import java.lang.management.BufferPoolMXBean;
import java.lang.management.ManagementFactory;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicIntegerArray;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;

/**
 * Scenario 7: what an idle FIFO costs. 10,000 readers ({@code lines()}) whose writers are
 * connected and silent, 1,000 writers ({@code writeLines} of a {@code Flux.never()}) into
 * FIFOs that have readers, and the CPU of 1,000 writers waiting for readers that do not come. The far ends are held by the native {@link FifoDriver}. The child JVM
 * (descriptor limit raised) reports heap after two {@code System.gc()} calls (MemoryMXBean),
 * direct memory (the "direct" BufferPoolMXBean) and RSS before subscribing and once every FIFO is
 * open and settled; the difference is what the idle subscriptions hold. The readers then each get
 * one line, which proves they were live, not merely queued.
 */
final class IdleScenario {

    /** The bar: 20 MB (2^20 bytes) for 10,000 readers, i.e. 2,097 bytes per reader. */
    static final double READER_BAR_BYTES = 20.0 * (1 << 20) / 10_000;
    /** Issue 11's aim for a writer: at most 2 KiB of heap plus direct memory. */
    static final double WRITER_AIM_BYTES = 2048;

    private IdleScenario() {
    }

    static void run(Context ctx, Report report) throws Exception {
        long hard = FifoDriver.hardDescriptorLimit();
        // the bar is for 10,000 readers; with a lower hard limit the run scales down and says so (the verdict is per reader)
        int readers = (int) Math.min(ctx.quick ? 2_000 : 10_000, Math.max(100, hard - FifoDriver.SPARE_DESCRIPTORS));
        int writers = ctx.quick ? 200 : 1_000;
        report.section("7. Idle FIFOs: what a connected, silent FIFO costs");
        report.paragraph("One child JVM (`-Xmx1g`, default options, soft descriptor limit raised to the hard one) per "
                + "row; the far ends are held by one native process (`fifo-driver.c`): for the readers it opens every "
                + "FIFO's write end (`O_WRONLY|O_NONBLOCK`, which succeeds only once a reader is there) and writes "
                + "nothing; for the writers it holds every read end and reads nothing. Heap = used after two "
                + "`System.gc()` (MemoryMXBean), direct = the \"direct\" BufferPoolMXBean, RSS from `/proc/self/status`; "
                + "each sampled before subscribing (after one warm-up FIFO, so class loading is not counted) and again "
                + "once the FIFOs are open and 1 s has passed. Native memory that the library allocates itself (e.g. "
                + "through jnr) is not heap or direct and shows only in RSS. After the second sample the driver writes "
                + "one line into every reader's FIFO and the child counts the readers that got it within 5 s."
                + (readers != 10_000 ? " This run: " + readers + " readers and " + writers + " writers (" + (ctx.quick ? "quick mode"
                        : "the hard descriptor limit is " + hard) + "); the reader bar is scaled to the same 2 KiB per reader." : ""));
        Table t = new Table("idle FIFOs", "far ends connected", "FIFO descriptors open in the JVM", "heap + MB",
                "direct + MB", "heap + direct, KiB per FIFO", "RSS + MB", "readers that then got a line");
        // readers
        Path rdir = FifoDriver.fifos(ctx, "idle-r-" + readers, readers);
        double[] r = measure(ctx, "readers", rdir, readers, t);
        double rBytes = r[0] + r[1];
        double limit = READER_BAR_BYTES * readers;
        boolean rMet = r[2] == readers && r[3] == readers && r[4] == readers && rBytes <= limit;
        // writers
        Path wdir = FifoDriver.fifos(ctx, "idle-w-" + writers, writers);
        double[] w = measure(ctx, "writers", wdir, writers, t);
        double wPer = (w[0] + w[1]) / writers;
        report.table(t);
        int waiting = ctx.quick ? 100 : 1_000;
        report.paragraph("Writers waiting for a reader that has not come: one child JVM subscribes `writeLines(Flux.just(..))` "
                + "to " + waiting + " FIFOs that nobody opens for reading, waits 3 s (a writer retries its open at a backoff of up "
                + "to 10 ms for its first second of waiting, then of up to 200 ms), and its CPU time over the next 5 s is "
                + "read from `/proc/PID/task/*/schedstat`. Then a reader (`head -n 1`) opens one of the FIFOs, timed until "
                + "it has its line.");
        report.table(measureWaiting(ctx, waiting));
        report.verdict("idle readers", readers + " connected idle readers add at most " + Stats.fmt("%.1f", limit / (1 << 20))
                        + " MB of heap plus direct memory" + (readers != 10_000 ? " (scaled from 20 MB for 10,000)" : ""),
                Stats.fmt("%+.1f MB", rBytes / (1 << 20)) + " (" + Stats.fmt("%.2f", rBytes / readers / 1024) + " KiB each); "
                        + (long) r[2] + " of " + readers + " writers connected, " + (long) r[4] + " got a line", rMet);
        report.verdict("idle writers", "aim: an idle writer holds at most 2 KiB of heap plus direct memory",
                Stats.fmt("%.2f KiB", wPer / 1024) + " per writer; " + (long) w[3] + " of " + writers + " descriptors open",
                w[3] == writers && wPer <= WRITER_AIM_BYTES);
        report.endVerdicts();
    }

    private static Table measureWaiting(Context ctx, int n) throws Exception {
        Table t = new Table("writers waiting for a reader", "CPU of the JVM, % of one core", "a reader that comes then has its line after, ms");
        Path dir = FifoDriver.fifos(ctx, "idle-waiting-" + n, n);
        try (ChildJvm jvm = ctx.child("idle-waiting", Path.of(System.getProperty("java.home")), true,
                List.of("-Xmx1g"), "idle", "waiting", dir.toString(), String.valueOf(n))) {
            jvm.receiveOk(120_000);
            jvm.call("subscribe", 120_000);
            TimeUnit.SECONDS.sleep(3); // past the first second of short backoffs, for every writer
            long start = System.nanoTime();
            java.util.Map<String, Long> before = ProcFs.cpuNanosByThread(jvm.pid());
            TimeUnit.SECONDS.sleep(5);
            long cpu = ProcFs.cpuNanosBetween(before, ProcFs.cpuNanosByThread(jvm.pid()));
            double percent = 100.0 * cpu / (System.nanoTime() - start);
            long r0 = System.nanoTime();
            Process reader = Shell.start("exec head -n 1 < " + Shell.quote(dir.resolve("f0")));
            String line = Shell.output(reader);
            Shell.await(reader, "late reader", 30_000);
            double pickUpMillis = (System.nanoTime() - r0) / 1e6;
            if (!line.trim().equals("waited")) {
                throw new IllegalStateException("the late reader got " + line);
            }
            t.row(String.valueOf(n), Stats.fmt("%.1f", percent), Stats.fmt("%.0f", pickUpMillis));
            System.out.printf("   idle: %d waiting writers done%n", n);
        }
        return t;
    }

    /** @return {heap delta, direct delta, far ends connected, FIFO fds in the JVM, readers that got a line (or -1)} in bytes */
    private static double[] measure(Context ctx, String mode, Path dir, int n, Table t) {
        boolean reading = mode.equals("readers");
        try (ChildJvm driver = FifoDriver.start(ctx, "idle-" + mode + "-far-ends", reading ? "w" : "r", dir, n);
                ChildJvm jvm = ctx.child("idle-" + mode, Path.of(System.getProperty("java.home")), true,
                        List.of("-Xmx1g"), "idle", mode, dir.toString(), String.valueOf(n))) {
            // the read ends open at once (O_RDONLY|O_NONBLOCK never waits); the write ends only once a reader is there
            long connected = reading ? 0 : Long.parseLong(driver.call("connect 0", 30_000)[0]);
            String[] before = jvm.receiveOk(120_000); // HEAP DIRECT RSS FIFO_FDS
            jvm.call("subscribe", 120_000);
            if (reading) {
                connected = Long.parseLong(driver.call("connect " + (ctx.quick ? 5_000 : 20_000), 60_000)[0]);
            }
            String[] after = jvm.call("sample " + (ctx.quick ? 5_000 : 10_000), 120_000);
            long got = -1;
            if (reading) {
                driver.call("lines", 60_000);
                got = Long.parseLong(jvm.call("await 5000", 30_000)[0]);
            }
            double heap = Long.parseLong(after[0]) - Long.parseLong(before[0]);
            double direct = Long.parseLong(after[1]) - Long.parseLong(before[1]);
            double rss = Long.parseLong(after[2]) - Long.parseLong(before[2]);
            long fds = Long.parseLong(after[3]);
            t.row(n + " " + (reading ? "`lines()` readers, writers connected and silent" : "`writeLines(Flux.never())` writers, readers connected"),
                    connected + " of " + n, String.valueOf(fds), Stats.fmt("%+.1f", heap / (1 << 20)), Stats.fmt("%+.1f", direct / (1 << 20)),
                    Stats.fmt("%.2f", (heap + direct) / n / 1024), Stats.fmt("%+.1f", rss / (1 << 20)),
                    reading ? got + " of " + n : "(writers)");
            System.out.printf("   idle: %d %s done%n", n, mode);
            return new double[] {heap, direct, connected, fds, got};
        }
    }

    // ---- child side ----------------------------------------------------------------------------

    /**
     * idle MODE DIR N: answers {@code ok HEAP DIRECT RSS FIFO_FDS} at once (after a warm-up); then
     * {@code subscribe} (answers ok), {@code sample MS} (waits until N FIFO descriptors are open or
     * MS ms, then 1 s more; answers the same four figures) and, for readers, {@code await MS}
     * (answers {@code ok READERS_WITH_A_LINE}).
     */
    static void child(String[] args, BufferedReader commands) throws Exception {
        boolean reading = args[0].equals("readers");
        boolean waiting = args[0].equals("waiting"); // writers of one line, into FIFOs nobody reads
        Path dir = Path.of(args[1]);
        int n = Integer.parseInt(args[2]);
        if (reading) {
            ConcurrencyScenario.warmUp();
        } else {
            warmUpWriter();
        }
        Child.answer("ok " + sample(dir));
        AtomicIntegerArray got = new AtomicIntegerArray(n);
        List<Disposable> held = new ArrayList<>();
        String command;
        while ((command = commands.readLine()) != null) {
            if (command.equals("subscribe")) {
                for (int i = 0; i < n; i++) {
                    final int index = i;
                    NamedPipe pipe = NamedPipe.of(dir.resolve("f" + i));
                    held.add(reading ? pipe.lines().subscribe(line -> got.set(index, 1), e -> System.err.println("f" + index + ": " + e))
                            : pipe.writeLines(waiting ? Flux.just("waited") : Flux.never())
                                    .subscribe(null, e -> System.err.println("f" + index + ": " + e)));
                }
                Child.answer("ok");
            } else if (command.startsWith("sample ")) {
                long deadline = System.nanoTime() + Long.parseLong(command.substring(7)) * 1_000_000L;
                while (fifoFds(dir) < n && System.nanoTime() < deadline) {
                    TimeUnit.MILLISECONDS.sleep(50);
                }
                TimeUnit.SECONDS.sleep(1);
                Child.answer("ok " + sample(dir));
            } else if (command.startsWith("await ")) {
                long deadline = System.nanoTime() + Long.parseLong(command.substring(6)) * 1_000_000L;
                int count;
                while ((count = count(got)) < n && System.nanoTime() < deadline) {
                    TimeUnit.MILLISECONDS.sleep(20);
                }
                Child.answer("ok " + count);
            }
        }
        System.err.println("held " + held.size() + " subscriptions");
        Runtime.getRuntime().halt(0);
    }

    private static int count(AtomicIntegerArray got) {
        int c = 0;
        for (int i = 0; i < got.length(); i++) {
            c += got.get(i);
        }
        return c;
    }

    private static void warmUpWriter() throws Exception {
        NamedPipe pipe = NamedPipe.createTemp();
        try {
            Process p = new ProcessBuilder("sh", "-c", "exec cat " + Shell.quote(pipe.path()) + " > /dev/null").start();
            pipe.writeLines(Flux.just("warm")).block(java.time.Duration.ofSeconds(30));
            p.waitFor();
        } finally {
            pipe.deleteIfExists();
        }
    }

    /** "HEAP DIRECT RSS FIFO_FDS" (bytes, bytes, bytes, count). */
    private static String sample(Path dir) throws IOException {
        System.gc();
        System.gc();
        long heap = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
        long direct = 0;
        for (BufferPoolMXBean pool : ManagementFactory.getPlatformMXBeans(BufferPoolMXBean.class)) {
            if (pool.getName().equals("direct")) {
                direct = pool.getMemoryUsed();
            }
        }
        long rss = 0;
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith("VmRSS:")) {
                rss = Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
            }
        }
        return heap + " " + direct + " " + rss + " " + fifoFds(dir);
    }

    /** Descriptors of this JVM open on a FIFO of {@code dir}. */
    static int fifoFds(Path dir) throws IOException {
        int c = 0;
        String prefix = dir.toString() + "/";
        try (DirectoryStream<Path> fds = Files.newDirectoryStream(Path.of("/proc/self/fd"))) {
            for (Path fd : fds) {
                try {
                    if (Files.readSymbolicLink(fd).toString().startsWith(prefix)) {
                        c++;
                    }
                } catch (IOException closed) {
                    // closed meanwhile
                }
            }
        }
        return c;
    }
}
