package dev.reactorfifo;

import static dev.reactorfifo.FifoTestSupport.assumeLinux;
import static dev.reactorfifo.FifoTestSupport.awaitReleased;
import static dev.reactorfifo.FifoTestSupport.openPipeDescriptors;

import java.io.IOException;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;

/**
 * For test classes where every test must leave nothing behind: the pipe descriptors open before
 * each test are the baseline, and after it no other pipe descriptor and no thread in a FIFO call
 * may remain (waiting up to {@link #RELEASE}).
 */
abstract class ReleaseChecked {

    static final Duration RELEASE = Duration.ofSeconds(2);

    /** The pipe descriptors open before the test. */
    List<String> baseline;

    @BeforeEach
    void recordBaseline() throws IOException {
        assumeLinux();
        baseline = openPipeDescriptors();
    }

    @AfterEach
    void nothingLeftBehind() throws Exception {
        awaitReleased(baseline, RELEASE);
    }
}
