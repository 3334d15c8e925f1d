package dev.reactorfifo.examples;

import static org.assertj.core.api.Assertions.assertThat;

import dev.reactorfifo.NamedPipe;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * BinaryPassThroughExample between two real FIFOs, a real producer ({@code cat file > fifo}) and
 * a real consumer ({@code cat fifo > copy}), checked with the real {@code sha256sum} and
 * {@code gzip -t}.
 */
@Timeout(120)
class BinaryPassThroughExampleTest extends ExampleProcessTestCase {

    /**
     * A gzip file holds every byte value, NUL, {@code \n} and {@code \r} included, in no line
     * structure: any byte changed, dropped or added makes its checksum differ and {@code gzip -t}
     * fail. About 3 MB, some twenty times what the two pipes hold together, so the copy goes
     * through many reads, writes and full pipes.
     */
    @Test
    void copiesACompressedFileByteForByteFromProcessToProcess() throws Exception {
        Path source = dir.resolve("source.gz");
        Processes.Started gzip = processes.sh("head -c 3000000 /dev/urandom | base64 | gzip -c > " + source);
        assertThat(gzip.exitCode(Processes.PATIENCE)).as("gzip: %s", gzip.err()).isZero();
        Path input = NamedPipe.create(dir.resolve("in")).path();
        Path output = NamedPipe.create(dir.resolve("out")).path();
        Path copy = dir.resolve("copy.gz");

        example = new InBackground("BinaryPassThroughExample",
                () -> BinaryPassThroughExample.run(new String[] {input.toString(), output.toString()}, out.stream, err.stream));
        // exec: the processes we wait for are the cats themselves, not shells waiting for them
        Processes.Started consumer = processes.sh("exec cat " + output + " > " + copy);
        Processes.Started producer = processes.sh("exec cat " + source + " > " + input);

        assertThat(producer.exitCode(Processes.PATIENCE)).as("producer: %s", producer.err()).isZero();
        assertThat(example.exitCode(Processes.PATIENCE)).as("errors: %s", err.text()).isZero();
        assertThat(consumer.exitCode(Processes.PATIENCE)).as("consumer: %s", consumer.err()).isZero();

        long size = Files.size(source);
        assertThat(size).isGreaterThan(2_000_000);
        assertThat(sha256sum(copy)).isEqualTo(sha256sum(source));
        Processes.Started test = processes.sh("exec gzip -t " + copy);
        assertThat(test.exitCode(Processes.PATIENCE)).as("gzip -t: %s", test.err()).isZero();
        assertThat(out.lines()).containsExactly("Copied " + size + " bytes from " + input + " to " + output);
        assertThat(err.text()).isEmpty();
    }

    @Test
    void aConsumerThatGoesAwayEndsTheCopyWithOneLine() throws Exception {
        Path input = NamedPipe.create(dir.resolve("in")).path();
        Path output = NamedPipe.create(dir.resolve("out")).path();
        example = new InBackground("BinaryPassThroughExample",
                () -> BinaryPassThroughExample.run(new String[] {input.toString(), output.toString()}, out.stream, err.stream));
        processes.sh("exec head -c 10000000 /dev/zero > " + input);
        Processes.Started consumer = processes.sh("exec head -c 1000 " + output + " | wc -c");

        assertThat(example.exitCode(Processes.PATIENCE)).isEqualTo(1);
        assertThat(consumer.exitCode(Processes.PATIENCE)).isZero();
        assertThat(consumer.out().strip()).isEqualTo("1000");
        assertThat(err.lines()).singleElement().asString()
                .startsWith("Copy error: " + output + ": the reader went away (broken pipe)");
        assertThat(out.text()).isEmpty();
    }

    @Test
    void aWrongInputPathIsReportedAtOnceNotWhenAConsumerComes() throws Exception {
        Path notAFifo = Files.write(dir.resolve("backup.gz"), new byte[] {0x1f, (byte) 0x8b});
        Path output = NamedPipe.create(dir.resolve("out")).path(); // nobody will ever read it

        int code = BinaryPassThroughExample.run(new String[] {notAFifo.toString(), output.toString()},
                out.stream, err.stream);

        assertThat(code).isEqualTo(1);
        assertThat(err.lines()).containsExactly("Copy error: " + notAFifo + ": is a regular file, not a FIFO");
    }

    @Test
    void wrongArgumentsAreAUsageError() {
        int code = BinaryPassThroughExample.run(new String[] {"in"}, out.stream, err.stream);

        assertThat(code).isEqualTo(2);
        assertThat(err.lines()).containsExactly("usage: BinaryPassThroughExample <input-fifo> <output-fifo>");
    }

    /** The checksum the real {@code sha256sum} computes, its first field. */
    private String sha256sum(Path file) throws Exception {
        Processes.Started sum = processes.start(new ProcessBuilder("sha256sum", file.toString()));
        assertThat(sum.exitCode(Processes.PATIENCE)).as("sha256sum: %s", sum.err()).isZero();
        String hash = sum.out().split("\\s+", 2)[0];
        assertThat(hash).matches("[0-9a-f]{64}");
        return hash;
    }
}
