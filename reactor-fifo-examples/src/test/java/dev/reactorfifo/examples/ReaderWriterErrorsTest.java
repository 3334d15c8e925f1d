package dev.reactorfifo.examples;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.reactorfifo.NamedPipe;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The mistakes a user of WriterExample and ReaderExample can make get one line on stderr and a
 * non-zero exit code, never a stack trace.
 */
@Timeout(120)
class ReaderWriterErrorsTest {

    @TempDir
    Path dir;

    private Processes processes;
    private final Output out = new Output();
    private final Output err = new Output();

    @BeforeEach
    void setUp() {
        processes = new Processes(dir);
    }

    @AfterEach
    void tearDown() {
        processes.close();
    }

    @Test
    void writerRefusesAPathThatIsARegularFileAndLeavesItAlone() throws Exception {
        Path file = Files.writeString(dir.resolve("notes.txt"), "precious\n");

        int code = WriterExample.run(new String[] {file.toString()}, out.stream, err.stream);

        assertThat(code).isEqualTo(1);
        assertThat(err.lines()).containsExactly("Writer error: " + file + ": is a regular file, not a FIFO");
        assertThat(out.text()).isEmpty();
        assertThat(file).hasContent("precious");
    }

    @Test
    void readerRefusesAPathThatIsARegularFile() throws Exception {
        Path file = Files.writeString(dir.resolve("notes.txt"), "precious\n");

        int code = ReaderExample.run(new String[] {file.toString()}, out.stream, err.stream);

        assertThat(code).isEqualTo(1);
        assertThat(err.lines()).containsExactly("Reader error: " + file + ": is a regular file, not a FIFO");
        assertThat(out.text()).isEmpty();
    }

    @Test
    void readerWithoutTheFifoSaysWhatToDo() {
        Path missing = dir.resolve("data_pipe");

        int code = ReaderExample.run(new String[] {missing.toString()}, out.stream, err.stream);

        assertThat(code).isEqualTo(1);
        assertThat(err.lines()).containsExactly("Reader error: " + missing
                + ": no such file or directory (start WriterExample first: it creates the FIFO)");
    }

    @Test
    void writerInAFolderThatDoesNotExist() {
        Path fifo = dir.resolve("no-such-folder").resolve("data_pipe");

        int code = WriterExample.run(new String[] {fifo.toString()}, out.stream, err.stream);

        assertThat(code).isEqualTo(1);
        assertThat(err.lines()).containsExactly("Writer error: " + fifo + ": no such file or directory");
    }

    @Test
    void wrongArgumentsPrintTheUsage() {
        assertThat(WriterExample.run(new String[] {"a", "b"}, out.stream, err.stream)).isEqualTo(2);
        assertThat(ReaderExample.run(new String[] {"a", "b"}, out.stream, err.stream)).isEqualTo(2);
        assertThat(err.lines()).hasSize(2).allMatch(line -> line.startsWith("usage: "));
    }

    /**
     * Through {@code main} in child JVMs, so that the real exit code and everything the JVM prints
     * are checked. Root ignores file permissions, so as root the children run without the
     * capabilities that let root do so.
     */
    @Test
    void noPermissionGivesOneLineAndExitCodeOneFromMain() throws Exception {
        Path lockedFifo = NamedPipe.create(dir.resolve("locked"), Set.of()).path(); // mode ---------
        Path readOnlyFolder = Files.createDirectory(dir.resolve("read-only"));
        Files.setPosixFilePermissions(readOnlyFolder, PosixFilePermissions.fromString("r-xr-xr-x"));
        Path fifoInReadOnlyFolder = readOnlyFolder.resolve("data_pipe");
        try {
            Processes.Started reader = processes.start(withoutRootPowers(
                    Demo.childJvm(ReaderExample.class, lockedFifo.toString()).command()));
            Processes.Started writer = processes.start(withoutRootPowers(
                    Demo.childJvm(WriterExample.class, fifoInReadOnlyFolder.toString()).command()));

            assertThat(reader.exitCode(Processes.PATIENCE)).isEqualTo(1);
            assertThat(reader.err().lines()).containsExactly("Reader error: " + lockedFifo + ": Permission denied");
            assertThat(reader.out()).isEmpty();

            assertThat(writer.exitCode(Processes.PATIENCE)).isEqualTo(1);
            assertThat(writer.err().lines())
                    .containsExactly("Writer error: " + fifoInReadOnlyFolder + ": Permission denied");
            assertThat(writer.out()).isEmpty();
        } finally {
            Files.setPosixFilePermissions(readOnlyFolder, PosixFilePermissions.fromString("rwx------"));
        }
    }

    /** As root, prefixes {@code command} with setpriv dropping CAP_DAC_OVERRIDE and CAP_DAC_READ_SEARCH. */
    private static ProcessBuilder withoutRootPowers(List<String> command) {
        if (!Processes.runningAsRoot()) {
            return new ProcessBuilder(command);
        }
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/setpriv")),
                "running as root without setpriv: file permissions cannot be tested");
        List<String> dropped = new ArrayList<>(List.of("/usr/bin/setpriv",
                "--bounding-set", "-dac_override,-dac_read_search"));
        dropped.addAll(command);
        return new ProcessBuilder(dropped);
    }
}
