package dev.reactorfifo.bench;

import dev.reactorfifo.internal.LineFramer;
import dev.reactorfifo.internal.Terminators;
import java.io.BufferedReader;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * In memory, the same bytes as the FIFO benchmarks: {@link LineFramer} (64 KiB chunks, as
 * {@code lines()} feeds it) against {@code BufferedReader.readLine}, plus the terminator scan alone.
 * One operation = the whole {@value #BYTES}-byte buffer.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class FramerBenchmark {

    static final int BYTES = 16 << 20;
    static final int CHUNK = 1 << 16;

    @Param({"100", "20"})
    public int lineBytes;

    private byte[] data;

    @Setup
    public void setup() {
        data = Lines.bytes(lineBytes, BYTES / lineBytes);
    }

    @Benchmark
    public long lineFramer() throws Exception {
        LineFramer framer = new LineFramer(StandardCharsets.UTF_8, CodingErrorAction.REPLACE, 1 << 20, "bench");
        long chars = 0;
        for (int off = 0; off < data.length; off += CHUNK) {
            framer.feed(data, off, Math.min(CHUNK, data.length - off));
            String line;
            while ((line = framer.next()) != null) {
                chars += line.length();
            }
        }
        framer.endOfInput();
        String last = framer.next();
        return last == null ? chars : chars + last.length();
    }

    @Benchmark
    public long bufferedReader() throws IOException {
        long chars = 0;
        try (BufferedReader r = new BufferedReader(new InputStreamReader(new ByteArrayInputStream(data), StandardCharsets.UTF_8))) {
            String line;
            while ((line = r.readLine()) != null) {
                chars += line.length();
            }
        }
        return chars;
    }

    @Benchmark
    public long terminatorScanOnly() {
        long lines = 0;
        int from = 0;
        int at;
        while ((at = Terminators.indexOf(data, from, data.length)) >= 0) {
            lines++;
            from = at + 1;
        }
        return lines;
    }
}
