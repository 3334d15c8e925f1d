package dev.reactorfifo.bench;

import dev.reactorfifo.NamedPipe;
import dev.reactorfifo.ReadOptions;
import dev.reactorfifo.WriteOptions;
import java.io.BufferedReader;
import java.io.FileInputStream;
import java.io.FileOutputStream;
import java.lang.management.BufferPoolMXBean;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import org.reactivestreams.Subscription;
import reactor.core.publisher.BaseSubscriber;
import reactor.core.publisher.Flux;

/**
 * Scenario 9 (issue 13): {@code bytes()}, {@code writeBytes} and an exact delimiter, measured as
 * the read and write scenarios measure lines (a long-lived child JVM per contender, warm-up
 * transfers, then rounds in which each contender's run comes right after a {@code cat} reference
 * run, ratios pair by pair), plus the memory a slow {@code bytes()} subscriber holds while the
 * writer blocks.
 */
final class BytesScenario {

    static final int CHUNK = 1 << 16;
    /** The read sizes of the memory rows: the default, and a smaller one to show the bound follows it. */
    static final int[] MEMORY_READ_SIZES = {ReadOptions.DEFAULT_READ_BUFFER_SIZE, 16 << 10};
    /** The writer of the memory rows: 4 KiB writes, so that its wchar lags the pipe by less than one write. */
    static final int MEMORY_WRITE_SIZE = 4096;
    /**
     * The memory child's JVM: the serial collector, whose full GC leaves no dead object in the heap
     * with {@code MarkSweepDeadRatio=0} (by default it leaves up to 5 % of "dead wood" in place and
     * compacts fully only every fourth time, which showed as a 64 KiB chunk counted one sample and
     * gone the next), so heap used after {@code System.gc()} is exactly what is reachable.
     */
    static final List<String> MEMORY_JVM = List.of("-Xmx256m", "-XX:+UseSerialGC", "-XX:MarkSweepDeadRatio=0");

    static final ReadScenario.Contender FIS = new ReadScenario.Contender("fis",
            "plain Java `FileInputStream.read`, one 64 KiB array", null, false);
    static final WriteScenario.Contender FOS = new WriteScenario.Contender("fos",
            "plain Java `FileOutputStream.write` of 64 KiB slices of one array");
    static final ReadScenario.Contender LINES = new ReadScenario.Contender("lines", "`lines()`, `\\n` data", null, false);

    private BytesScenario() {
    }

    static List<ReadScenario.Contender> readContenders() {
        return List.of(FIS,
                new ReadScenario.Contender("channel", "plain Java `FileChannel.read`, one direct 64 KiB buffer (no heap copy)",
                        null, false),
                new ReadScenario.Contender("bytes", "`NamedPipe.bytes()` (default: 64 KiB reads)", null, false));
    }

    static List<WriteScenario.Contender> writeContenders() {
        return List.of(FOS,
                new WriteScenario.Contender("writeBytes-atomic", "`writeBytes` of 64 KiB buffers, atomicWrites=true (default)"),
                new WriteScenario.Contender("writeBytes-batch", "`writeBytes` of 64 KiB buffers, atomicWrites=false"));
    }

    static List<ReadScenario.Contender> delimiterContenders() {
        return List.of(LINES,
                new ReadScenario.Contender("lines-delim-nl", "`lines(delimiter(\"\\n\"))`, `\\n` data", null, false),
                new ReadScenario.Contender("lines-nul", "`lines(delimiter(\"\\0\"))`, the same lines ended by NUL", null, false));
    }

    static void run(Context ctx, Report report) throws Exception {
        report.section("9. Bytes and exact delimiters");
        report.paragraph("The rows of issue 13, measured as sections 1 and 2 measure lines: " + ctx.dataBytes / 1_000_000
                + " MB of the line data per transfer (100-byte lines; the delimiter rows also 20-byte ones), each JVM contender in its own child JVM (`-Xmx1g`), "
                + ctx.warmups + " unmeasured transfers, then " + ctx.rounds + " measured ones, each right after a `cat` "
                + "reference run, ratios pair by pair. Reads: the writer is `cat file > fifo`, the reference reader "
                + "`cat fifo > /dev/null`; the JVM readers count the bytes (or lines) they get, and the count is "
                + "checked. Writes: the reader is `cat fifo > /dev/null` (started 30 ms before the clock), the "
                + "reference writer `cat file > fifo`; the JVM writers hold the file's bytes in one array and write "
                + "it as 64 KiB slices (`writeBytes` gets `Flux.range(...).map(i -> ByteBuffer.wrap(array, off, "
                + "64 KiB))`, a fresh buffer per slice; the first warm-up is checked with `wc -c`). \"read(2) per MB\" "
                + "and \"write(2) per MB\" are the child JVM's `syscr` / `syscw` (`/proc/PID/io`) over each measured "
                + "transfer, median over the rounds.");
        read(ctx, report);
        write(ctx, report);
        for (int lineBytes : new int[] {100, 20}) {
            delimiter(ctx, report, lineBytes);
        }
        memory(ctx, report);
    }

    // ---- bytes() ---------------------------------------------------------------------------------

    private static void read(Context ctx, Report report) throws Exception {
        Path data = ctx.dataFile(100, ctx.dataBytes);
        long bytes = Files.size(data);
        Path fifo = ctx.newFifo("bytes-read");
        List<ReadScenario.Contender> contenders = readContenders();
        Map<String, ChildJvm> children = new LinkedHashMap<>();
        Map<String, List<Double>> readsPerMb = new LinkedHashMap<>();
        try {
            for (ReadScenario.Contender c : contenders) {
                children.put(c.key(), ctx.child("bytes-read-" + c.key(), List.of("-Xmx1g"), "bytes-read", c.key()));
            }
            System.out.printf("   bytes(): warm-up (%d transfers per JVM contender)%n", ctx.warmups);
            for (int w = 0; w < ctx.warmups; w++) {
                for (ReadScenario.Contender c : contenders) {
                    ReadScenario.transfer(ctx, c, children.get(c.key()), fifo, data, bytes);
                }
            }
            PairedRounds measured = PairedRounds.measure(ctx.rounds,
                    contenders.stream().map(c -> new PairedRounds.Row(c.key(), c.label())).toList(), FIS.key(), bytes,
                    () -> ReadScenario.transfer(ctx, ReadScenario.CAT, null, fifo, data, bytes),
                    key -> counted(children.get(key), readsPerMb, key, bytes, ProcFs::readSyscalls,
                            () -> ReadScenario.transfer(ctx, ReadScenario.byKey(contenders, key), children.get(key), fifo, data, bytes)),
                    "bytes()");
            report.paragraph("**`bytes()` reading from `cat file > fifo`** (" + bytes / 1_000_000 + " MB)");
            measured.report(report, "reader", "x FileInputStream, paired", ReadScenario.CAT.label(), "bytes() read",
                    List.of(new PairedRounds.Column("read(2) per MB", key -> perMb(readsPerMb, key))));
            double overCat = Stats.median(measured.overReference("bytes"));
            report.verdict("bytes read", "`bytes()` >= 0.9x `cat fifo > /dev/null`, paired", Stats.fmt("%.2fx", overCat),
                    overCat >= 0.9);
            report.endVerdicts();
        } finally {
            children.values().forEach(ChildJvm::close);
        }
    }

    // ---- writeBytes ------------------------------------------------------------------------------

    private static void write(Context ctx, Report report) throws Exception {
        int lineBytes = 100;
        Path data = ctx.dataFile(lineBytes, ctx.dataBytes);
        long bytes = Files.size(data);
        long lines = bytes / lineBytes;
        Path fifo = ctx.newFifo("bytes-write");
        List<WriteScenario.Contender> contenders = writeContenders();
        Map<String, ChildJvm> children = new LinkedHashMap<>();
        Map<String, List<Double>> writesPerMb = new LinkedHashMap<>();
        try {
            for (WriteScenario.Contender c : contenders) {
                children.put(c.key(), ctx.child("bytes-write-" + c.key(), List.of("-Xmx1g"), "bytes-write", c.key(),
                        String.valueOf(lineBytes), String.valueOf(lines)));
            }
            System.out.printf("   writeBytes: warm-up (%d transfers per JVM contender)%n", ctx.warmups);
            for (int w = 0; w < ctx.warmups; w++) {
                for (WriteScenario.Contender c : contenders) {
                    WriteScenario.transfer(c, children.get(c.key()), fifo, data, w == 0 ? bytes : -1);
                }
            }
            PairedRounds measured = PairedRounds.measure(ctx.rounds,
                    contenders.stream().map(c -> new PairedRounds.Row(c.key(), c.label())).toList(), FOS.key(), bytes,
                    () -> WriteScenario.transfer(WriteScenario.CAT, null, fifo, data, -1),
                    key -> counted(children.get(key), writesPerMb, key, bytes, ProcFs::writeSyscalls,
                            () -> WriteScenario.transfer(contenders.stream().filter(c -> c.key().equals(key)).findFirst()
                                    .orElseThrow(), children.get(key), fifo, data, -1)),
                    "writeBytes");
            report.paragraph("**`writeBytes` of 64 KiB buffers into `cat fifo > /dev/null`** (" + bytes / 1_000_000 + " MB)");
            measured.report(report, "writer", "x FileOutputStream, paired", WriteScenario.CAT.label(), "writeBytes",
                    List.of(new PairedRounds.Column("write(2) per MB", key -> perMb(writesPerMb, key))));
            double overCat = Stats.median(measured.overReference("writeBytes-atomic"));
            report.verdict("bytes write", "`writeBytes` of 64 KiB buffers (default options) >= 0.9x `cat file > fifo`, paired",
                    Stats.fmt("%.2fx", overCat) + " (atomicWrites=false: "
                            + Stats.fmt("%.2fx", Stats.median(measured.overReference("writeBytes-batch"))) + ")",
                    overCat >= 0.9);
            report.endVerdicts();
        } finally {
            children.values().forEach(ChildJvm::close);
        }
    }

    /**
     * One transfer of a JVM contender, with the system calls of one kind it made counted.
     * The child's read of the command from stdin and its write of the answer are one call each,
     * taken off: the first returns inside the window, the second too.
     */
    private static long counted(ChildJvm child, Map<String, List<Double>> perMb, String key, long bytes,
            java.util.function.LongUnaryOperator calls, java.util.function.LongSupplier transfer) {
        long before = calls.applyAsLong(child.pid());
        long ns = transfer.getAsLong();
        long made = calls.applyAsLong(child.pid()) - before - 1;
        perMb.computeIfAbsent(key, k -> new ArrayList<>()).add(made / (bytes / 1e6));
        return ns;
    }

    private static String perMb(Map<String, List<Double>> perMb, String key) {
        return key != null && perMb.containsKey(key) ? Stats.fmt("%.1f", Stats.median(Stats.toArray(perMb.get(key))))
                : "not counted";
    }

    // ---- lines(delimiter("\0")) ------------------------------------------------------------------

    private static void delimiter(Context ctx, Report report, int lineBytes) throws Exception {
        Path newline = ctx.dataFile(lineBytes, ctx.dataBytes);
        Path nul = ctx.dataFile(lineBytes, ctx.dataBytes, '\0');
        long bytes = Files.size(newline);
        long lines = bytes / lineBytes;
        Path fifo = ctx.newFifo("delimiter" + lineBytes);
        List<ReadScenario.Contender> contenders = delimiterContenders();
        Map<String, ChildJvm> children = new LinkedHashMap<>();
        try {
            for (ReadScenario.Contender c : contenders) {
                children.put(c.key(), ctx.child("delimiter-" + c.key() + "-" + lineBytes, List.of("-Xmx1g"), "bytes-read", c.key()));
            }
            System.out.printf("   delimiter, %d-B lines: warm-up (%d transfers per JVM contender)%n", lineBytes, ctx.warmups);
            for (int w = 0; w < ctx.warmups; w++) {
                for (ReadScenario.Contender c : contenders) {
                    ReadScenario.transfer(ctx, c, children.get(c.key()), fifo, c.key().equals("lines-nul") ? nul : newline, lines);
                }
            }
            PairedRounds measured = PairedRounds.measure(ctx.rounds,
                    contenders.stream().map(c -> new PairedRounds.Row(c.key(), c.label())).toList(), LINES.key(), bytes,
                    () -> ReadScenario.transfer(ctx, ReadScenario.CAT, null, fifo, newline, lines),
                    key -> ReadScenario.transfer(ctx, ReadScenario.byKey(contenders, key), children.get(key), fifo,
                            key.equals("lines-nul") ? nul : newline, lines),
                    "delimiter, " + lineBytes + "-B lines");
            report.paragraph("**`lines(delimiter(\"\\0\"))` against `lines()`, " + lineBytes + "-byte lines** ("
                    + bytes / 1_000_000 + " MB, " + lines + " lines; the NUL file is the `\\n` file with every `\\n` "
                    + "replaced by `\\0`; the `cat` reference reads the `\\n` file)");
            measured.report(report, "reader", "x `lines()`, paired", ReadScenario.CAT.label(), "Delimiter, " + lineBytes + "-B lines");
            double nulOverLines = Stats.median(measured.overBase("lines-nul"));
            report.verdict("delimiter " + lineBytes + " B", "`lines(delimiter(\"\\0\"))` within 10 % of `lines()` (>= 0.9x), paired",
                    Stats.fmt("%.2fx", nulOverLines) + " (`delimiter(\"\\n\")` on the `\\n` data: "
                            + Stats.fmt("%.2fx", Stats.median(measured.overBase("lines-delim-nl"))) + ")",
                    nulOverLines >= 0.9);
            report.endVerdicts();
        } finally {
            children.values().forEach(ChildJvm::close);
        }
    }

    // ---- memory of a slow bytes() subscriber -----------------------------------------------------

    /** One look at a blocked writer: {@code wchar}, the pipe's unread bytes, and what the child says. */
    record MemorySample(long writerWrote, int inPipe, int capacity, long delivered, long buffers, long holding,
            long heapGrowth, long directGrowth, boolean writerBlocked) {
        /** Bytes the reader JVM took from the pipe and the subscriber has not let go of. */
        long held() {
            return writerWrote - inPipe - (delivered - holding);
        }
    }

    private static void memory(Context ctx, Report report) throws Exception {
        int runs = ctx.quick ? 1 : 3;
        int steps = ctx.quick ? 3 : 4;
        report.paragraph("**Memory of a slow `bytes()` subscriber.** The writer is `dd if=/dev/zero of=fifo bs="
                + MEMORY_WRITE_SIZE + "` in a process of its own (a shell that execs it once the harness has read the "
                + "pid's `wchar`, which then holds only the JVM launcher's start-up bytes), so `wchar` (`/proc/PID/io`: "
                + "the bytes its `write(2)` calls returned as written) is exactly what it put into the pipe: a write "
                + "of PIPE_BUF bytes is atomic, and a blocked one has put nothing in yet. The harness holds "
                + "an extra read descriptor on the FIFO that it never reads, to ask the pipe with `ioctl(FIONREAD)` how "
                + "many bytes it holds. The reader child (`-Xmx256m -XX:+UseSerialGC -XX:MarkSweepDeadRatio=0`: the heap after a full GC is "
                + "exactly what is reachable, no dead object left in place) first reads a warm-up FIFO to its end (classes, poller, pooled buffers), takes its baseline "
                + "(heap after two `System.gc()` and the \"direct\" `BufferPoolMXBean`), then subscribes with a "
                + "`BaseSubscriber` that requests nothing. Then " + steps + " times: the subscriber requests one buffer, "
                + "lets go of the one it had and keeps the new one; the harness waits until the writer is blocked "
                + "(`wchar` unchanged for 300 ms and `dd` sleeping in `write(2)`) and samples (a sample is also taken "
                + "before the first request). **Held** = the writer's `wchar` - the pipe's unread bytes - the bytes "
                + "of the buffers the subscriber received and let go of: every byte the reader JVM took out of the "
                + "pipe and still holds, the buffer in the subscriber's hands included. Heap and direct growth are "
                + "over the baseline after two `System.gc()`: everything the subscription keeps reachable (its "
                + "buffers, the subscriber, the registration); the read buffer a drain borrows is direct and pooled, "
                + "so a pool that already holds one grows nothing. " + runs + " run(s) per read size, a fresh child "
                + "and writer each.");
        Table t = new Table("readBufferSize", "samples", "writer blocked in write(2) at the sample",
                "in the pipe (FIONREAD) / its capacity, KiB", "held by the reader, KiB median (min-max)",
                "of which the subscriber's buffer, KiB", "held, max x readBufferSize", "heap growth, KiB",
                "direct growth, KiB");
        double defaultWorst = Double.NaN;
        boolean defaultBlocked = false;
        for (int readSize : MEMORY_READ_SIZES) {
            List<MemorySample> samples = new ArrayList<>();
            for (int r = 0; r < runs; r++) {
                samples.addAll(memoryRun(ctx, readSize, steps));
                System.out.printf("   bytes() memory, %d KiB reads: run %d/%d done%n", readSize >> 10, r + 1, runs);
            }
            double[] held = samples.stream().mapToDouble(s -> s.held() / 1024.0).toArray();
            double worst = samples.stream().mapToDouble(s -> (double) s.held() / readSize).max().orElse(Double.NaN);
            long blocked = samples.stream().filter(MemorySample::writerBlocked).count();
            t.row(readSize / 1024 + " KiB" + (readSize == ReadOptions.DEFAULT_READ_BUFFER_SIZE ? " (default)" : ""),
                    runs + " x " + (steps + 1), blocked + " of " + samples.size(),
                    Stats.range(samples.stream().mapToDouble(s -> s.inPipe() / 1024.0).toArray(), "%.0f") + " / "
                            + Stats.range(samples.stream().mapToDouble(s -> s.capacity() / 1024.0).toArray(), "%.0f"),
                    Stats.range(held, "%.0f"),
                    Stats.range(samples.stream().mapToDouble(s -> s.holding() / 1024.0).toArray(), "%.0f"),
                    Stats.fmt("%.2fx", worst),
                    Stats.range(samples.stream().mapToDouble(s -> s.heapGrowth() / 1024.0).toArray(), "%.0f"),
                    Stats.range(samples.stream().mapToDouble(s -> s.directGrowth() / 1024.0).toArray(), "%.0f"));
            if (readSize == ReadOptions.DEFAULT_READ_BUFFER_SIZE) {
                defaultWorst = worst;
                defaultBlocked = blocked == samples.size();
            }
        }
        report.table(t);
        report.verdict("bytes memory", "a slow subscriber requesting one buffer at a time holds at most 2 x readBufferSize; the writer blocks",
                "at most " + Stats.fmt("%.2fx", defaultWorst) + " of 64 KiB held; writer blocked at "
                        + (defaultBlocked ? "every sample" : "NOT every sample"),
                defaultWorst <= 2.0 && defaultBlocked);
        report.endVerdicts();
    }

    private static List<MemorySample> memoryRun(Context ctx, int readSize, int steps) throws Exception {
        Path fifo = ctx.newFifo("bytes-slow");
        List<MemorySample> samples = new ArrayList<>();
        Process writer = null;
        try (PipeSize probe = PipeSize.hold(fifo);
                ChildJvm child = ctx.child("bytes-slow-" + readSize, MEMORY_JVM, "bytes-slow",
                        fifo.toString(), String.valueOf(readSize))) {
            child.receiveOk(60_000); // warmed up and subscribed
            // the shell waits for a line, then becomes dd (same pid): the bytes the JVM's process
            // launcher wrote from that pid before exec (its start-up handshake) are in the baseline
            writer = new ProcessBuilder("sh", "-c", "read go && exec dd if=/dev/zero of=\"$0\" bs=" + MEMORY_WRITE_SIZE
                    + " status=none", fifo.toString()).redirectError(ProcessBuilder.Redirect.INHERIT).start();
            long launcher = ProcFs.writtenBytes(writer.pid());
            writer.getOutputStream().write("go\n".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            writer.getOutputStream().flush();
            long holding = 0;
            for (int step = 0; step <= steps; step++) {
                if (step > 0) {
                    holding = Long.parseLong(child.call("request", 10_000)[0]);
                }
                boolean blocked = awaitBlocked(writer.pid(), 15_000);
                long wrote = ProcFs.writtenBytes(writer.pid()) - launcher;
                int inPipe = probe.unreadBytes();
                String[] w = child.call("sample", 30_000); // DELIVERED BUFFERS HEAP_GROWTH DIRECT_GROWTH
                if (ProcFs.writtenBytes(writer.pid()) - launcher != wrote) {
                    blocked = false; // it moved while the child sampled: the sample does not count as blocked
                }
                MemorySample sample = new MemorySample(wrote, inPipe, probe.capacity(), Long.parseLong(w[0]),
                        Long.parseLong(w[1]), holding, Long.parseLong(w[2]), Long.parseLong(w[3]), blocked);
                System.out.printf("   (%d KiB reads, step %d: %s; held %d B)%n", readSize >> 10, step, sample, sample.held());
                samples.add(sample);
            }
        } finally {
            if (writer != null) {
                writer.destroyForcibly();
                writer.waitFor(5, TimeUnit.SECONDS);
            }
        }
        return samples;
    }

    /** Waits until the writer's wchar has not moved for 300 ms while it sleeps in write(2). @return whether it did */
    private static boolean awaitBlocked(long pid, long timeoutMillis) throws InterruptedException {
        long deadline = System.nanoTime() + timeoutMillis * 1_000_000L;
        long last = ProcFs.writtenBytes(pid);
        long stableSince = System.nanoTime();
        while (System.nanoTime() < deadline) {
            Thread.sleep(20);
            long now = ProcFs.writtenBytes(pid);
            if (now != last || !ProcFs.sleepsInWrite(pid)) {
                last = now;
                stableSince = System.nanoTime();
            } else if (System.nanoTime() - stableSince >= 300_000_000L) {
                return true;
            }
        }
        return false;
    }

    // ---- child side ----------------------------------------------------------------------------

    /** Child role "bytes-read": for each {@code read FIFO}, reads to EOF and answers {@code ok COUNT} (bytes or lines). */
    static void readChild(String key, BufferedReader commands) throws Exception {
        String command;
        while ((command = commands.readLine()) != null) {
            Path fifo = Path.of(command.substring("read ".length()));
            long n;
            switch (key) {
                case "fis":
                    n = 0;
                    try (FileInputStream in = new FileInputStream(fifo.toFile())) {
                        byte[] b = new byte[CHUNK];
                        int r;
                        while ((r = in.read(b)) > 0) {
                            n += r;
                        }
                    }
                    break;
                case "channel":
                    n = 0;
                    try (FileChannel in = FileChannel.open(fifo, StandardOpenOption.READ)) {
                        ByteBuffer b = ByteBuffer.allocateDirect(CHUNK);
                        int r;
                        while ((r = in.read(b.clear())) > 0) {
                            n += r;
                        }
                    }
                    break;
                case "bytes":
                    n = NamedPipe.of(fifo).bytes().reduce(0L, (sum, b) -> sum + b.remaining()).block();
                    break;
                case "lines":
                    n = NamedPipe.of(fifo).lines().count().block();
                    break;
                case "lines-delim-nl":
                    n = NamedPipe.of(fifo).lines(ReadOptions.defaults().delimiter("\n")).count().block();
                    break;
                case "lines-nul":
                    n = NamedPipe.of(fifo).lines(ReadOptions.defaults().delimiter("\0")).count().block();
                    break;
                default:
                    throw new IllegalArgumentException(key);
            }
            Child.answer("ok " + n);
        }
    }

    /** Child role "bytes-write": the data of {@code count} lines in one array, written as 64 KiB slices per {@code write FIFO}. */
    static void writeChild(String key, int lineBytes, long count, BufferedReader commands) throws Exception {
        byte[] data = Lines.bytes(lineBytes, count);
        int slices = (data.length + CHUNK - 1) / CHUNK;
        String command;
        while ((command = commands.readLine()) != null) {
            Path fifo = Path.of(command.substring("write ".length()));
            switch (key) {
                case "fos":
                    try (FileOutputStream out = new FileOutputStream(fifo.toFile())) {
                        for (int off = 0; off < data.length; off += CHUNK) {
                            out.write(data, off, Math.min(CHUNK, data.length - off));
                        }
                    }
                    break;
                case "writeBytes-atomic":
                case "writeBytes-batch":
                    Flux<ByteBuffer> buffers = Flux.range(0, slices)
                            .map(i -> ByteBuffer.wrap(data, i * CHUNK, Math.min(CHUNK, data.length - i * CHUNK)));
                    NamedPipe.of(fifo).writeBytes(buffers, WriteOptions.defaults().atomicWrites(key.endsWith("atomic"))).block();
                    break;
                default:
                    throw new IllegalArgumentException(key);
            }
            Child.answer("ok");
        }
    }

    /**
     * Child role "bytes-slow FIFO READ_SIZE": warms up, answers {@code ok}, subscribes to the FIFO
     * requesting nothing; then {@code request} (request one buffer, wait for it, let go of the
     * previous one: answers {@code ok SIZE_OF_THE_NEW_ONE}) and {@code sample} (answers
     * {@code ok DELIVERED_BYTES BUFFERS HEAP_GROWTH DIRECT_GROWTH}).
     */
    static void slowChild(String[] args, BufferedReader commands) throws Exception {
        Path fifo = Path.of(args[0]);
        ReadOptions options = ReadOptions.defaults().readBufferSize(Integer.parseInt(args[1]));
        warmUp(options);
        Thread.sleep(300); // let the warm-up's drain threads finish giving back what they held
        long heap0 = heapAfterGc();
        long direct0 = direct();
        SlowReader slow = new SlowReader(heap0, direct0);
        NamedPipe.of(fifo).bytes(options).subscribe(slow);
        Child.answer("ok");
        String command;
        while ((command = commands.readLine()) != null) {
            switch (command) {
                case "request":
                    Child.answer(slow.requestOne());
                    break;
                case "sample":
                    Child.answer(slow.sample());
                    break;
                default:
                    throw new IllegalArgumentException(command);
            }
        }
        slow.dispose();
    }

    /** The slow subscriber: requests one buffer when told, keeps only the last one it got. */
    static final class SlowReader extends BaseSubscriber<ByteBuffer> {
        private final Semaphore arrived = new Semaphore(0);
        private final long heap0;
        private final long direct0;
        // written by the drain thread before the release, read after the acquire
        private long delivered;
        private long buffers;
        private ByteBuffer holding;

        SlowReader(long heap0, long direct0) {
            this.heap0 = heap0;
            this.direct0 = direct0;
        }

        @Override
        protected void hookOnSubscribe(Subscription s) {
            // no demand yet
        }

        @Override
        protected void hookOnNext(ByteBuffer b) {
            holding = b; // the previous buffer is let go of
            delivered += b.remaining();
            buffers++;
            arrived.release();
        }

        /** @return the answer {@code ok SIZE} */
        String requestOne() throws InterruptedException {
            request(1);
            if (!arrived.tryAcquire(10, TimeUnit.SECONDS)) {
                throw new IllegalStateException("no buffer within 10 s of request(1)");
            }
            return "ok " + holding.remaining();
        }

        /** @return the answer {@code ok DELIVERED BUFFERS HEAP_GROWTH DIRECT_GROWTH} */
        String sample() {
            long heap = heapAfterGc();
            return "ok " + delivered + " " + buffers + " " + (heap - heap0) + " " + (direct() - direct0);
        }
    }

    /**
     * A FIFO of this JVM's own read to its end by a {@link SlowReader} while {@code writeBytes}
     * writes it: loads, compiles and pools what the measured subscription uses, its answers included.
     */
    private static void warmUp(ReadOptions options) throws Exception {
        NamedPipe pipe = NamedPipe.createTemp();
        try {
            long total = 16L * CHUNK;
            SlowReader reader = new SlowReader(0, 0);
            pipe.bytes(options).subscribe(reader);
            java.util.concurrent.CompletableFuture<Void> written =
                    pipe.writeBytes(Flux.range(0, 16).map(i -> ByteBuffer.allocate(CHUNK))).toFuture();
            while (reader.delivered < total) {
                reader.requestOne();
                reader.sample();
            }
            written.get(30, TimeUnit.SECONDS);
            reader.dispose();
        } finally {
            pipe.deleteIfExists();
        }
    }

    private static long heapAfterGc() {
        System.gc();
        System.gc();
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }

    private static long direct() {
        for (BufferPoolMXBean pool : ManagementFactory.getPlatformMXBeans(BufferPoolMXBean.class)) {
            if (pool.getName().equals("direct")) {
                return pool.getMemoryUsed();
            }
        }
        return 0;
    }
}
