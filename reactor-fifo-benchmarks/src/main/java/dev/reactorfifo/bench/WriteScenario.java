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

    static List<Contender> contenders() {
        return List.of(BW,
                new Contender("writeLines-atomic", "`writeLines`, atomicLines=true (default)"),
                new Contender("writeLines-batch", "`writeLines`, atomicLines=false"),
                new Contender("sink-atomic", "`FifoSink`, atomicLines=true (default)"),
                new Contender("sink-batch", "`FifoSink`, atomicLines=false"));
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
                + "`Flux.fromIterable(lines)`; the `FifoSink` (default 256-line queue) is fed by a "
                + "`tryEmitNext` loop that yields on `FAIL_OVERFLOW`.");
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
                    () -> transfer(CAT, null, fifo, data, -1),
                    key -> transfer(contenders.stream().filter(c -> c.key().equals(key)).findFirst().orElseThrow(),
                            children.get(key), fifo, data, -1),
                    lineBytes + "-B lines");
            report.paragraph("**" + lineBytes + "-byte lines** (" + bytes / 1_000_000 + " MB, " + lines + " lines)");
            measured.report(report, "writer", "x BufferedWriter, paired", CAT.label(), "Write, " + lineBytes + "-B lines");
            for (String mode : new String[] {"atomic", "batch"}) {
                double x = Stats.median(measured.overBase("writeLines-" + mode));
                report.verdict("write " + lineBytes + " B", "`writeLines` (" + (mode.equals("atomic") ? "atomicLines=true" : "atomicLines=false")
                        + ") >= 1.0x `BufferedWriter`", Stats.fmt("%.2fx", x), x >= 1.0);
            }
            report.endVerdicts();
        } finally {
            children.values().forEach(ChildJvm::close);
        }
    }

    /**
     * One transfer into a {@code cat} reader (or {@code wc -c} when {@code checkBytes >= 0}).
     * @return wall time in ns, from starting the writer to both ends finishing
     */
    static long transfer(Contender c, ChildJvm child, Path fifo, Path data, long checkBytes) {
        Process reader = Shell.start((checkBytes >= 0 ? "exec wc -c < " : "exec cat ") + Shell.quote(fifo)
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
                case "writeLines-atomic":
                case "writeLines-batch":
                    NamedPipe.of(fifo).writeLines(Flux.fromIterable(lines),
                            WriteOptions.defaults().atomicLines(key.endsWith("atomic"))).block();
                    break;
                case "sink-atomic":
                case "sink-batch":
                    sinkLoop(NamedPipe.of(fifo).sink(WriteOptions.defaults().atomicLines(key.endsWith("atomic"))), lines);
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

    static void sinkLoop(FifoSink sink, List<String> lines) {
        for (String line : lines) {
            for (;;) {
                Sinks.EmitResult r = sink.tryEmitNext(line);
                if (r == Sinks.EmitResult.OK) {
                    break;
                }
                if (r != Sinks.EmitResult.FAIL_OVERFLOW) {
                    throw new IllegalStateException("tryEmitNext: " + r);
                }
                Thread.yield();
            }
        }
        sink.tryEmitComplete();
        sink.done().block();
    }
}
