package dev.reactorfifo;

import static dev.reactorfifo.FifoTestSupport.shQuote;

import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Runs every test of a subclass once per {@link FifoTransport}: both transports promise the
 * same contract, so they share one set of integration tests. Each test gets a fresh FIFO.
 */
@ParameterizedClass(name = "{0}")
@EnumSource(FifoTransport.class)
@Timeout(value = 60, unit = TimeUnit.SECONDS)
abstract class EachTransport {

    /** How long a test waits for a peer or a signal before it fails. */
    static final Duration WAIT = Duration.ofSeconds(10);
    /** How long a cancelled subscription may take to release its thread and descriptors. */
    static final Duration RELEASE = Duration.ofSeconds(2);

    @Parameter
    FifoTransport transport;

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

    ReadOptions read() {
        return ReadOptions.defaults().transport(transport);
    }

    WriteOptions write() {
        return WriteOptions.defaults().transport(transport);
    }
}
