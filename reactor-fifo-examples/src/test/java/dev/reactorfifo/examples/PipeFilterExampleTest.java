package dev.reactorfifo.examples;

import static org.assertj.core.api.Assertions.assertThat;

import dev.reactorfifo.NamedPipe;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * PipeFilterExample between two real FIFOs, a real producer process ({@code seq}) and a real
 * consumer process ({@code cat}).
 */
@Timeout(120)
class PipeFilterExampleTest extends ExampleProcessTestCase {

    /** About 2.7 MB: some twenty times what the two pipes hold together. */
    private static final int LINES = 400_000;

    /**
     * The consumer opens the output FIFO but does not read until the test says so. Meanwhile both
     * pipes fill up and the producer must block in write(2): were the filter buffering in memory,
     * {@code seq} would write all its 2.7 MB in milliseconds. Then the consumer reads, and every
     * match arrives, in order.
     */
    @Test
    void filtersFromFifoToFifoWithBackpressureAcrossProcesses() throws Exception {
        Path input = NamedPipe.create(dir.resolve("in")).path();
        Path output = NamedPipe.create(dir.resolve("out")).path();
        Path go = dir.resolve("go");
        Path result = dir.resolve("result.txt");

        example = new InBackground("PipeFilterExample",
                () -> PipeFilterExample.run(new String[] {input.toString(), output.toString(), "7$"}, out.stream, err.stream));
        // exec: the process we watch is seq itself, not a shell waiting for it
        Processes.Started producer = processes.sh("exec seq 1 " + LINES + " > " + input);
        // holds the output FIFO open (so the filter starts) without reading, until the test creates `go`
        Processes.Started consumer = processes.sh("exec 3< " + output + "; while [ ! -e " + go + " ]; do sleep 0.05; done; "
                + "exec cat <&3 > " + result);

        long pid = producer.process().pid();
        if (Files.isReadable(Path.of("/proc/" + pid + "/io"))) { // Linux: watch what seq has written
            Processes.await("the producer to fill the input pipe", Processes.PATIENCE,
                    () -> bytesWritten(pid) >= 128 * 1024);
        }
        Thread.sleep(500); // long enough to write megabytes, were nothing holding the producer back
        assertThat(producer.process().isAlive()).as("the producer is blocked by the full pipes").isTrue();
        assertThat(bytesWritten(pid)).as("bytes seq wrote before blocking").isLessThan(1_500_000);

        Files.createFile(go);
        assertThat(producer.exitCode(Processes.PATIENCE)).isZero();
        assertThat(example.exitCode(Processes.PATIENCE)).as("errors: %s", err.text()).isZero();
        assertThat(consumer.exitCode(Processes.PATIENCE)).isZero();

        String expected = IntStream.rangeClosed(1, LINES).filter(i -> i % 10 == 7)
                .mapToObj(i -> i + ":" + i + "\n").collect(Collectors.joining());
        assertThat(Files.readString(result)).isEqualTo(expected);
        assertThat(out.lines()).containsExactly("Filter: " + LINES / 10 + " of " + LINES + " lines matched 7$");
        assertThat(err.text()).isEmpty();
    }

    @Test
    void aConsumerThatGoesAwayEndsTheFilterWithOneLine() throws Exception {
        Path input = NamedPipe.create(dir.resolve("in")).path();
        Path output = NamedPipe.create(dir.resolve("out")).path();
        example = new InBackground("PipeFilterExample",
                () -> PipeFilterExample.run(new String[] {input.toString(), output.toString(), "."}, out.stream, err.stream));
        processes.sh("exec seq 1 " + LINES + " > " + input);
        Processes.Started consumer = processes.sh("exec head -n 3 " + output);

        assertThat(example.exitCode(Processes.PATIENCE)).isEqualTo(1);
        assertThat(consumer.exitCode(Processes.PATIENCE)).isZero();
        assertThat(consumer.out()).isEqualTo("1:1\n2:2\n3:3\n");
        assertThat(err.lines()).singleElement().asString()
                .startsWith("Filter error: " + output + ": the reader went away (broken pipe)");
        assertThat(out.text()).isEmpty();
    }

    @Test
    void aWrongInputPathIsReportedAtOnceNotWhenAConsumerComes() throws Exception {
        Path notAFifo = Files.writeString(dir.resolve("app.log"), "ERROR x\n");
        Path output = NamedPipe.create(dir.resolve("out")).path(); // nobody will ever read it

        int code = PipeFilterExample.run(new String[] {notAFifo.toString(), output.toString(), "ERROR"},
                out.stream, err.stream);

        assertThat(code).isEqualTo(1);
        assertThat(err.lines()).containsExactly("Filter error: " + notAFifo + ": is a regular file, not a FIFO");
    }

    @Test
    void anInvalidRegexIsAUsageError() {
        int code = PipeFilterExample.run(new String[] {"in", "out", "(unclosed"}, out.stream, err.stream);

        assertThat(code).isEqualTo(2);
        assertThat(err.lines()).singleElement().asString().startsWith("Filter error: invalid regex (unclosed: ");
    }

    /** {@code wchar} of /proc/PID/io: what the process handed to write(2) so far (0 where unknown). */
    private static long bytesWritten(long pid) {
        Path io = Path.of("/proc/" + pid + "/io");
        try {
            return Files.readAllLines(io).stream().filter(line -> line.startsWith("wchar:"))
                    .mapToLong(line -> Long.parseLong(line.substring("wchar:".length()).trim()))
                    .findFirst().orElse(0);
        } catch (IOException noProcOrGone) {
            return 0;
        }
    }
}
