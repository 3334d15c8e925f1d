package dev.reactorfifo.examples;

import java.nio.file.Path;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;

/**
 * The fixture of the tests that run one FIFO-to-FIFO example in the background against real peer
 * processes: a temporary folder, the peers (killed after each test), the example and its output.
 */
abstract class ExampleProcessTestCase {

    @TempDir
    Path dir;

    Processes processes;
    /** The example under test, once a test started it; closed after the test. */
    @Nullable InBackground example;
    final Output out = new Output();
    final Output err = new Output();

    @BeforeEach
    void startProcesses() {
        processes = new Processes(dir);
    }

    @AfterEach
    void stopEverything() {
        if (example != null) {
            example.close();
        }
        processes.close();
    }
}
