package dev.reactorfifo;

import static dev.reactorfifo.FifoTestSupport.shQuote;

import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The integration tests' fixture: a fresh FIFO in a temporary folder for each test, and their timeouts. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
abstract class FifoTestCase {

    /** How long a test waits for a peer or a signal before it fails. */
    static final Duration WAIT = Duration.ofSeconds(10);
    /** How long a cancelled subscription may take to release its thread and descriptors. */
    static final Duration RELEASE = Duration.ofSeconds(2);

    @TempDir
    Path dir;
    /** A fresh FIFO at {@code dir/fifo}, and its path quoted for {@code sh}. */
    NamedPipe pipe;
    String fifo;

    @BeforeEach
    void createFifo() throws Exception {
        pipe = NamedPipe.create(dir.resolve("fifo"));
        fifo = shQuote(pipe.path().toString());
    }

    @AfterEach
    void releasedEverySubscription() throws Exception {
        FifoTestSupport.awaitNoWaiterRegistered(RELEASE);
    }
}
