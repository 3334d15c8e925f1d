package dev.reactorfifo.bench;

import dev.reactorfifo.FifoSink;
import dev.reactorfifo.NamedPipe;
import dev.reactorfifo.WriteOptions;
import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.FileOutputStream;
import java.io.OutputStreamWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Sinks;

/**
 * Scenario 2: write throughput into a {@code cat fifo > /dev/null} reader. The reference writer is
 * {@code cat file > fifo}; the JVM writers each run in their own long-lived child JVM and write the
 * same lines (rebuilt from {@link Lines#pool}) from memory.
 */
final class WriteScenario {

    record Contender(String key, String label) {
    }

    static final Contender CAT = new Contender("cat", "`cat file > fifo` (reference)");
    static final Contender BW = new Contender("bw", "`BufferedWriter` 64 KiB loop");
    static final Contender PIPE_BUF_SEGMENTS = new Contender("pipebuf",
            "plain Java, whole lines in segments of at most PIPE_BUF (4096 B), one `write` each");
    /** PIPE_BUF on Linux: the largest write(2) into a pipe that is atomic. */
    static final int PIPE_BUF = 4096;

    static List<Contender> contenders() {
        return List.of(BW, PIPE_BUF_SEGMENTS,
                new Contender("writeLines-atomic", "`writeLines`, atomicWrites=true (default)"),
                new Contender("writeLines-batch", "`writeLines`, atomicWrites=false"),
                new Contender("sink-atomic", "`FifoSink`, atomicWrites=true (default)"),
                new Contender("sink-batch", "`FifoSink`, atomicWrites=false"),
                new Contender("sink-atomic-yield", "`FifoSink`, atomicWrites=true, `Thread.yield()` on `FAIL_OVERFLOW`"));
    }

    private WriteScenario() {
    }

    static void run(Context ctx, Report report) throws Exception {
        report.section("2. Write throughput");
        report.paragraph("Reader: `cat fifo > /dev/null`, started 30 ms before the clock and the writer, so that it "
                + "already waits in `open()`. The same lines as the read scenario, "
                + ctx.writeBytes / 1_000_000 + " MB per transfer, and the same protocol: "
                + "each JVM writer in its own child JVM (`-Xmx1g`), " + ctx.warmups + " unmeasured "
                + "transfers (the first one checked byte for byte with `wc -c` as the reader), then " + ctx.rounds
                + " measured ones, each right after a reference run of `cat file > fifo`. `writeLines` gets "
                + "`Flux.fromIterable(lines)`; the `FifoSink` (default options: at most 1024 unwritten lines) is fed from one emitting "
                + "thread by a `tryEmitNext` loop that waits with `whenWritable().block()` on `FAIL_OVERFLOW`, as its javadoc "
                + "advises (the bar's row), and in the last row by one that calls `Thread.yield()` instead: a spin that "
                + "burns CPU while it waits, shown for what the wait for room costs. The PIPE_BUF-segment baseline packs "
                + "whole lines (`String.getBytes` + `arraycopy`) into segments of at most 4096 bytes and writes each with "
                + "one `FileOutputStream.write`: the physical limit of atomic lines, since a larger write into a pipe "
                + "may interleave with other writers. \"write(2) per MB\" is the writer JVM's `syscw` "
                + "(`/proc/PID/io`, every thread) counted over each measured transfer, median over the rounds; the "
                + "`cat` reference is not counted (a shell process that is gone before it could be read). \"Reader "
                + "sleeps per MB\" is the `cat` reader's voluntary context switches (GNU `time -f %w`, its `wait4` "
                + "count), median over the rounds: how often the writer let the reader run dry and wake up again, "
                + "each a wake-up the writing side pays for. In the measured rounds the reader is therefore "
                + "`/usr/bin/time -f %w -o FILE cat fifo > /dev/null`, which adds one fork and exec inside the 30 ms "
                + "head start. \"Writer CPU ns per line\" is the CPU time the writer JVM's threads used over the "
                + "transfer (`/proc/PID/task/*/schedstat`, user and system; a thread that exits during it is left out), "
                + "per line, median over the rounds: where a writer, not the reader, sets the pace, it is the writer's cost "
                + "without the wait for the other process.");
        for (int lineBytes : new int[] {100, 20}) {
            runLineSize(ctx, report, lineBytes);
        }
    }

    private static void runLineSize(Context ctx, Report report, int lineBytes) throws Exception {
        Path data = ctx.dataFile(lineBytes, ctx.writeBytes);
        long bytes = Files.size(data);
        long lines = bytes / lineBytes;
        Path fifo = ctx.newFifo("write" + lineBytes);
        List<Contender> contenders = contenders();
        Map<String, ChildJvm> children = new LinkedHashMap<>();
        Map<String, List<Double>> writesPerMb = new LinkedHashMap<>();
        Map<String, List<Double>> readerSleepsPerMb = new LinkedHashMap<>();
        Map<String, List<Double>> cpuPerLine = new LinkedHashMap<>();
        ReaderSleeps sleeps = ReaderSleeps.counter(ctx);
        try {
            for (Contender c : contenders) {
                children.put(c.key(), ctx.child("write-" + c.key() + "-" + lineBytes, List.of("-Xmx1g"),
                        "write", c.key(), String.valueOf(lineBytes), String.valueOf(lines)));
            }
            System.out.printf("   %d-B lines: warm-up (%d transfers per JVM contender)%n", lineBytes, ctx.warmups);
            for (int w = 0; w < ctx.warmups; w++) {
                for (Contender c : contenders) {
                    transfer(c, children.get(c.key()), fifo, data, w == 0 ? bytes : -1);
                }
            }
            PairedRounds measured = PairedRounds.measure(ctx.rounds,
                    contenders.stream().map(c -> new PairedRounds.Row(c.key(), c.label())).toList(), BW.key(), bytes,
                    () -> transfer(CAT, null, fifo, data, -1, sleeps.recordingInto(readerSleepsPerMb, CAT.key(), bytes)),
                    key -> {
                        ChildJvm child = children.get(key);
                        long before = ProcFs.writeSyscalls(child.pid());
                        Map<String, Long> cpuBefore = ProcFs.cpuNanosByThread(child.pid());
                        long ns = transfer(contenders.stream().filter(c -> c.key().equals(key)).findFirst().orElseThrow(),
                                child, fifo, data, -1, sleeps.recordingInto(readerSleepsPerMb, key, bytes));
                        long calls = ProcFs.writeSyscalls(child.pid()) - before - 1; // less the "ok" answer on stdout
                        writesPerMb.computeIfAbsent(key, k -> new ArrayList<>()).add(calls / (bytes / 1e6));
                        cpuPerLine.computeIfAbsent(key, k -> new ArrayList<>())
                                .add(ProcFs.cpuNanosBetween(cpuBefore, ProcFs.cpuNanosByThread(child.pid())) / (double) lines);
                        return ns;
                    },
                    lineBytes + "-B lines");
            report.paragraph("**" + lineBytes + "-byte lines** (" + bytes / 1_000_000 + " MB, " + lines + " lines)");
            measured.report(report, "writer", "x BufferedWriter, paired", CAT.label(), "Write, " + lineBytes + "-B lines",
                    List.of(new PairedRounds.Column("write(2) per MB", key -> medianOf(writesPerMb, key)),
                            new PairedRounds.Column("reader sleeps per MB",
                                    key -> medianOf(readerSleepsPerMb, key == null ? CAT.key() : key)),
                            new PairedRounds.Column("writer CPU ns per line", key -> medianOf(cpuPerLine, key))));
            String scope = "write " + lineBytes + " B";
            double sink = Stats.median(measured.overBase("sink-atomic"));
            report.verdict(scope, "`FifoSink` (default options, one emitting thread) >= 0.8x `BufferedWriter`",
                    Stats.fmt("%.2fx", sink), sink >= 0.8);
            double batch = Stats.median(measured.overBase("writeLines-batch"));
            report.verdict(scope, "`writeLines` (atomicWrites=false) >= 1.1x `BufferedWriter`", Stats.fmt("%.2fx", batch), batch >= 1.1);
            double atomic = Stats.median(ReadScenario.pairRatio(measured.mbps("writeLines-atomic"), measured.mbps(PIPE_BUF_SEGMENTS.key())));
            report.verdict(scope, "`writeLines` (atomicWrites=true, default) >= 0.95x the PIPE_BUF-segment baseline",
                    Stats.fmt("%.2fx", atomic), atomic >= 0.95);
            double atomicOverBw = Stats.median(measured.overBase("writeLines-atomic"));
            report.verdict(scope, "earlier bar: `writeLines` (atomicWrites=true) >= 1.0x `BufferedWriter`",
                    Stats.fmt("%.2fx", atomicOverBw), atomicOverBw >= 1.0);
            report.endVerdicts();
        } finally {
            children.values().forEach(ChildJvm::close);
        }
    }

    private static String medianOf(Map<String, List<Double>> values, String key) {
        return key != null && values.containsKey(key) ? Stats.fmt("%.1f", Stats.median(Stats.toArray(values.get(key))))
                : "not counted";
    }

    /** @see #transfer(Contender, ChildJvm, Path, Path, long, ReaderSleeps.Recording) */
    static long transfer(Contender c, ChildJvm child, Path fifo, Path data, long checkBytes) {
        return transfer(c, child, fifo, data, checkBytes, null);
    }

    /**
     * One transfer into a {@code cat} reader (or {@code wc -c} when {@code checkBytes >= 0}).
     *
     * @param sleeps where the {@code cat} reader's sleeps go, or null: not counted
     * @return wall time in ns, from starting the writer to both ends finishing
     */
    static long transfer(Contender c, ChildJvm child, Path fifo, Path data, long checkBytes,
            ReaderSleeps.Recording sleeps) {
        String cat = sleeps == null ? "exec cat " : "exec " + sleeps.wrapping("cat") + " ";
        Process reader = Shell.start((checkBytes >= 0 ? "exec wc -c < " : cat) + Shell.quote(fifo)
                + (checkBytes >= 0 ? "" : " > /dev/null"));
        // let the reader reach its blocking open() first: the library's non-blocking open sees a reader
        // there at once, instead of backing off while the shell starts (a start-up artefact, not throughput)
        pause(30);
        long t0 = System.nanoTime();
        Process writer = null;
        if (child == null) {
            writer = Shell.start("exec cat " + Shell.quote(data) + " > " + Shell.quote(fifo));
        } else {
            child.send("write " + fifo);
        }
        String out = Shell.output(reader);
        Shell.await(reader, "reader", 300_000);
        if (child == null) {
            Shell.await(writer, "writer cat", 300_000);
        } else {
            child.receiveOk(300_000);
        }
        long elapsed = System.nanoTime() - t0;
        if (sleeps != null) {
            sleeps.record();
        }
        if (checkBytes >= 0 && Long.parseLong(out.trim()) != checkBytes) {
            throw new IllegalStateException(c.key() + " wrote " + out + " bytes, expected " + checkBytes);
        }
        return elapsed;
    }

    private static void pause(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    // ---- child side ----------------------------------------------------------------------------

    static void child(String key, int lineBytes, long count, BufferedReader commands) throws Exception {
        List<String> lines = Lines.cyclic(lineBytes, count);
        String command;
        while ((command = commands.readLine()) != null) {
            Path fifo = Path.of(command.substring("write ".length()));
            switch (key) {
                case "bw":
                    bufferedWriterLoop(fifo, lines);
                    break;
                case "pipebuf":
                    pipeBufSegments(fifo, lines);
                    break;
                case "writeLines-atomic":
                case "writeLines-batch":
                    NamedPipe.of(fifo).writeLines(Flux.fromIterable(lines),
                            WriteOptions.defaults().atomicWrites(key.endsWith("atomic"))).block();
                    break;
                case "sink-atomic":
                case "sink-batch":
                    sinkLoop(NamedPipe.of(fifo).sink(WriteOptions.defaults().atomicWrites(key.endsWith("atomic"))), lines,
                            sink -> sink.whenWritable().block());
                    break;
                case "sink-atomic-yield":
                    sinkLoop(NamedPipe.of(fifo).sink(), lines, sink -> Thread.yield());
                    break;
                default:
                    throw new IllegalArgumentException(key);
            }
            Child.answer("ok");
        }
    }

    static void bufferedWriterLoop(Path fifo, List<String> lines) throws Exception {
        try (BufferedWriter w = new BufferedWriter(new OutputStreamWriter(new FileOutputStream(fifo.toFile()),
                StandardCharsets.UTF_8), 1 << 16)) {
            for (String line : lines) {
                w.write(line);
                w.write('\n');
            }
        }
    }

    /**
     * Whole lines packed into segments of at most {@link #PIPE_BUF} bytes, one
     * {@code FileOutputStream.write} (one write(2)) per segment: every write is atomic, so lines
     * from several such writers never interleave. A line longer than PIPE_BUF cannot be atomic at
     * all and is written alone (none in this benchmark's data).
     */
    static void pipeBufSegments(Path fifo, List<String> lines) throws Exception {
        byte[] segment = new byte[PIPE_BUF];
        int used = 0;
        try (FileOutputStream out = new FileOutputStream(fifo.toFile())) {
            for (String line : lines) {
                byte[] b = line.getBytes(StandardCharsets.UTF_8);
                int need = b.length + 1;
                if (used + need > PIPE_BUF && used > 0) {
                    out.write(segment, 0, used);
                    used = 0;
                }
                if (need > PIPE_BUF) {
                    out.write(b);
                    out.write('\n');
                    continue;
                }
                System.arraycopy(b, 0, segment, used, b.length);
                used += b.length;
                segment[used++] = '\n';
            }
            if (used > 0) {
                out.write(segment, 0, used);
            }
        }
    }

    /** @param waitForRoom what the emitting thread does on {@code FAIL_OVERFLOW} before it tries again */
    static void sinkLoop(FifoSink sink, List<String> lines, java.util.function.Consumer<FifoSink> waitForRoom) {
        for (String line : lines) {
            for (;;) {
                Sinks.EmitResult r = sink.tryEmitNext(line);
                if (r == Sinks.EmitResult.OK) {
                    break;
                }
                if (r != Sinks.EmitResult.FAIL_OVERFLOW) {
                    throw new IllegalStateException("tryEmitNext: " + r);
                }
                waitForRoom.accept(sink);
            }
        }
        sink.tryEmitComplete();
        sink.done().block();
    }
}
