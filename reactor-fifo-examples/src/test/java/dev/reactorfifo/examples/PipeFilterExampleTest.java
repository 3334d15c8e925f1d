package dev.reactorfifo.examples;

import static org.assertj.core.api.Assertions.assertThat;

import dev.reactorfifo.NamedPipe;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * PipeFilterExample between two real FIFOs, a real producer process ({@code seq}) and a real
 * consumer process ({@code cat}).
 */
@Timeout(30)
class PipeFilterExampleTest {

    /** About 6.9 MB: a hundred times what the two pipes hold together. */
    private static final int LINES = 1_000_000;

    @TempDir
    Path dir;

    private Processes processes;
    private InBackground filter;
    private final Output out = new Output();
    private final Output err = new Output();

    @BeforeEach
    void setUp() {
        processes = new Processes(dir);
    }

    @AfterEach
    void tearDown() {
        if (filter != null) {
            filter.close();
        }
        processes.close();
    }

    /**
     * The consumer opens the output FIFO but does not read for two seconds. Meanwhile both pipes
     * fill up and the producer must block in write(2): if the filter buffered in memory instead,
     * {@code seq} would have written all its 6.9 MB in a few milliseconds. Then the consumer
     * reads, and every match arrives, in order.
     */
    @Test
    void filtersFromFifoToFifoWithBackpressureAcrossProcesses() throws Exception {
        Path input = NamedPipe.create(dir.resolve("in")).path();
        Path output = NamedPipe.create(dir.resolve("out")).path();
        Path result = dir.resolve("result.txt");

        filter = new InBackground("PipeFilterExample",
                () -> PipeFilterExample.run(new String[] {input.toString(), output.toString(), "7$"}, out.stream, err.stream));
        // exec: the process we watch is seq itself, not a shell waiting for it
        Processes.Started producer = processes.sh("exec seq 1 " + LINES + " > " + input);
        // holds the output FIFO open (so the filter may start) without reading, then reads it all
        Processes.Started consumer = processes.sh("exec 3< " + output + "; sleep 2; exec cat <&3 > " + result);

        Thread.sleep(1000); // well before the consumer starts reading: the check has a second to spare
        assertThat(producer.process().isAlive()).as("the producer is blocked by the full pipes").isTrue();
        long written = bytesWritten(producer.process().pid());
        assertThat(written).as("bytes seq wrote before blocking").isLessThan(2_000_000);

        assertThat(producer.exitCode(Duration.ofSeconds(20))).isZero();
        assertThat(filter.exitCode(Duration.ofSeconds(20))).as("errors: %s", err.text()).isZero();
        assertThat(consumer.exitCode(Duration.ofSeconds(20))).isZero();

        String expected = IntStream.rangeClosed(1, LINES).filter(i -> i % 10 == 7)
                .mapToObj(i -> i + ":" + i + "\n").collect(Collectors.joining());
        assertThat(Files.readString(result)).isEqualTo(expected);
        assertThat(out.lines()).containsExactly("Filter: 100000 of 1000000 lines matched 7$");
        assertThat(err.text()).isEmpty();
    }

    @Test
    void aConsumerThatGoesAwayEndsTheFilterWithOneLine() throws Exception {
        Path input = NamedPipe.create(dir.resolve("in")).path();
        Path output = NamedPipe.create(dir.resolve("out")).path();
        filter = new InBackground("PipeFilterExample",
                () -> PipeFilterExample.run(new String[] {input.toString(), output.toString(), "."}, out.stream, err.stream));
        processes.sh("exec seq 1 " + LINES + " > " + input);
        Processes.Started consumer = processes.sh("exec head -n 3 " + output);

        assertThat(filter.exitCode(Duration.ofSeconds(20))).isEqualTo(1);
        assertThat(consumer.exitCode(Duration.ofSeconds(5))).isZero();
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
    private static long bytesWritten(long pid) throws Exception {
        Path io = Path.of("/proc/" + pid + "/io");
        if (!Files.isReadable(io)) {
            return 0;
        }
        return Files.readAllLines(io).stream().filter(line -> line.startsWith("wchar:"))
                .mapToLong(line -> Long.parseLong(line.substring("wchar:".length()).trim()))
                .findFirst().orElse(0);
    }
}
