package dev.reactorfifo.examples;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The tutorial's own Python scripts (test resources {@code tutorial/writer.py} and
 * {@code tutorial/reader.py}) talk to the Java examples through a real FIFO: Python writer to
 * {@link ReaderExample}, {@link WriterExample} to Python reader. About five seconds each, as the
 * writers send one message per second.
 */
@Timeout(120)
class PythonInteropTest {

    @TempDir
    Path dir;

    private Processes processes;
    private InBackground javaSide;

    @BeforeAll
    static void requirePython() {
        assumeTrue(Processes.python3Available(), "python3 not found: skipping interop test");
    }

    @BeforeEach
    void setUp() {
        processes = new Processes(dir);
    }

    @AfterEach
    void tearDown() {
        processes.close();
        if (javaSide != null) {
            javaSide.close();
        }
    }

    @Test
    void tutorialsPythonWriterFeedsReaderExample() throws Exception {
        Path fifo = dir.resolve("data_pipe");
        Processes.Started pythonWriter = processes.start(new ProcessBuilder("python3", tutorialScript("writer.py", fifo)));
        // the Python writer creates the FIFO; started first, as in the tutorial
        Processes.await("the Python writer to create " + fifo, Processes.PATIENCE, () -> Files.exists(fifo));
        Output out = new Output();
        Output err = new Output();

        int code = ReaderExample.run(new String[] {fifo.toString()}, out.stream, err.stream);

        assertThat(code).as("ReaderExample's exit code; errors: %s", err.text()).isZero();
        assertThat(out.lines()).containsExactlyElementsOf(DemoTest.messages("Received: "));
        assertThat(err.text()).isEmpty();
        assertThat(pythonWriter.exitCode(Processes.PATIENCE)).isZero();
        assertThat(pythonWriter.out().lines()).containsExactlyElementsOf(DemoTest.messages("Sent: "));
    }

    @Test
    void writerExampleFeedsTutorialsPythonReader() throws Exception {
        Path fifo = dir.resolve("data_pipe");
        Output out = new Output();
        Output err = new Output();
        javaSide = new InBackground("WriterExample",
                () -> WriterExample.run(new String[] {fifo.toString()}, out.stream, err.stream));
        // WriterExample creates the FIFO, then waits for a reader, as the Python writer does
        Processes.await("WriterExample to create " + fifo, Processes.PATIENCE, () -> Files.exists(fifo));

        Processes.Started pythonReader = processes.start(new ProcessBuilder("python3", tutorialScript("reader.py", fifo)));

        assertThat(pythonReader.exitCode(Processes.PATIENCE)).isZero();
        assertThat(pythonReader.out().lines()).containsExactlyElementsOf(DemoTest.messages("Received: "));
        assertThat(pythonReader.err()).isEmpty();
        assertThat(javaSide.exitCode(Processes.PATIENCE)).as("errors: %s", err.text()).isZero();
        assertThat(out.lines()).containsExactlyElementsOf(DemoTest.messages("Sent: "));
        assertThat(err.text()).isEmpty();
    }

    /** Writes the tutorial script into the test's folder, its {@code /tmp/data_pipe} replaced by {@code fifo}. */
    private String tutorialScript(String name, Path fifo) throws IOException {
        String script;
        try (InputStream in = PythonInteropTest.class.getResourceAsStream("/tutorial/" + name)) {
            assertThat(in).as("test resource tutorial/%s", name).isNotNull();
            script = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        String tutorialPath = "pipe_path = \"/tmp/data_pipe\"";
        assertThat(script).contains(tutorialPath);
        Path copy = dir.resolve(name);
        Files.writeString(copy, script.replace(tutorialPath, "pipe_path = \"" + fifo + "\""));
        return copy.toString();
    }
}
