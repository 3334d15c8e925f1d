package dev.reactorfifo;

import static dev.reactorfifo.FifoTestSupport.awaitReleased;
import static dev.reactorfifo.FifoTestSupport.openPipeDescriptors;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.reactorfifo.FifoTestSupport.Peer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import reactor.core.publisher.Sinks;
import reactor.core.publisher.Sinks.EmitResult;
import reactor.test.StepVerifier;

/** {@link FifoSink}: Reactor's {@code Sinks.Many} contract over a bounded queue, with real readers. */
class FifoSinkTest extends FifoTestCase {

    Path out;

    @BeforeEach
    void outputFile() {
        out = dir.resolve("out.txt");
    }

    @Test
    void writesEveryAcceptedLineThenCompletes() throws Exception {
        try (Peer reader = Peer.start(out, "cat", pipe.path().toString())) {
            FifoSink sink = pipe.sink(WriteOptions.defaults());
            int accepted = 0;
            for (int i = 0; i < 10_000; i++) {
                while (sink.tryEmitNext("push " + i) == EmitResult.FAIL_OVERFLOW) {
                    Thread.onSpinWait(); // a producer that honours backpressure retries
                }
                accepted++;
            }
            assertThat(sink.tryEmitComplete()).isEqualTo(EmitResult.OK);
            StepVerifier.create(sink.done()).expectComplete().verify(WAIT);
            assertThat(reader.awaitExit(WAIT)).isZero();
            assertThat(Files.readAllLines(out)).hasSize(accepted).startsWith("push 0").endsWith("push 9999");
        }
    }

    @Test
    void queuesUntilAReaderComesAndOverflowsAtExactlyTheBufferSize() throws Exception {
        FifoSink sink = pipe.sink(WriteOptions.defaults().bufferSize(3));
        assertThat(sink.tryEmitNext("a")).isEqualTo(EmitResult.OK);
        assertThat(sink.tryEmitNext("b")).isEqualTo(EmitResult.OK);
        assertThat(sink.tryEmitNext("c")).isEqualTo(EmitResult.OK);
        assertThat(sink.tryEmitNext("d")).isEqualTo(EmitResult.FAIL_OVERFLOW);
        assertThat(sink.tryEmitComplete()).isEqualTo(EmitResult.OK);
        assertThat(sink.tryEmitNext("e")).isEqualTo(EmitResult.FAIL_TERMINATED);
        try (Peer reader = Peer.start(out, "cat", pipe.path().toString())) {
            StepVerifier.create(sink.done()).expectComplete().verify(WAIT);
            assertThat(reader.awaitExit(WAIT)).isZero();
        }
        assertThat(Files.readString(out)).isEqualTo("a\nb\nc\n");
    }

    @Test
    void disposeReleasesTheWaitForAReaderAndRefusesFurtherLines() throws Exception {
        FifoTestSupport.assumeLinux();
        List<String> baseline = openPipeDescriptors();
        FifoSink sink = pipe.sink(WriteOptions.defaults());
        assertThat(sink.tryEmitNext("queued")).isEqualTo(EmitResult.OK);
        Thread.sleep(50);
        sink.dispose();
        assertThat(sink.isDisposed()).isTrue();
        assertThat(sink.tryEmitNext("late")).isEqualTo(EmitResult.FAIL_CANCELLED);
        awaitReleased(baseline, Duration.ofSeconds(2));
        StepVerifier.create(sink.done())
                .expectErrorSatisfies(e -> assertThat(e).isInstanceOf(java.util.concurrent.CancellationException.class)
                        .hasMessageContaining("disposed; 0 lines were written, 1 accepted lines were dropped"))
                .verify(WAIT);
    }

    @Test
    void aBrokenPipeFailsDoneWithWhatWasWrittenAndDropped() throws Exception {
        FifoSink sink = pipe.sink(WriteOptions.defaults().bufferSize(64));
        try (Peer reader = Peer.start(out, "head", "-n", "1", pipe.path().toString())) {
            long deadline = System.nanoTime() + WAIT.toNanos();
            // keep the queue full until the writer notices the reader is gone
            while (sink.tryEmitNext("payload line") != EmitResult.FAIL_TERMINATED
                    && !sink.done().toFuture().isDone()) {
                assertThat(System.nanoTime()).isLessThan(deadline);
                Thread.onSpinWait();
            }
            StepVerifier.create(sink.done())
                    .expectErrorSatisfies(e -> assertThat(e).isInstanceOf(BrokenPipeException.class)
                            .hasMessageContaining("the reader went away")
                            .hasMessageMatching("(?s).*; \\d+ lines were written, \\d+ accepted lines were dropped unwritten"))
                    .verify(WAIT);
        }
        // a late subscriber gets the same outcome
        StepVerifier.create(sink.done()).expectError(BrokenPipeException.class).verify(WAIT);
    }

    @Test
    void tryEmitErrorFailsDone() throws Exception {
        FifoSink sink = pipe.sink(WriteOptions.defaults());
        try (Peer reader = Peer.start(out, "cat", pipe.path().toString())) {
            assertThat(sink.tryEmitNext("before the error")).isEqualTo(EmitResult.OK);
            assertThat(sink.tryEmitError(new IllegalStateException("producer failed"))).isEqualTo(EmitResult.OK);
            StepVerifier.create(sink.done()).expectErrorMessage("producer failed").verify(WAIT);
            assertThat(reader.awaitExit(WAIT)).isZero();
        }
        assertThat(sink.tryEmitNext("after")).isEqualTo(EmitResult.FAIL_TERMINATED);
        assertThat(Files.readString(out)).as("lines queued before the error are still written")
                .isEqualTo("before the error\n");
    }

    /**
     * A line the sink cannot write (a terminator in it, a character the charset cannot encode) is
     * refused at the emit with IllegalArgumentException, and the sink stays usable: the lines
     * around it are written.
     */
    @Test
    void refusesAnUnwritableLineAtTheEmitAndStaysUsable() throws Exception {
        Path out = dir.resolve("out");
        try (Peer reader = Peer.start(out, "cat", pipe.path().toString())) {
            FifoSink sink = pipe.sink(WriteOptions.defaults().charset(java.nio.charset.StandardCharsets.US_ASCII));
            assertThat(sink.tryEmitNext("first")).isEqualTo(EmitResult.OK);
            assertThatThrownBy(() -> sink.tryEmitNext("two\nlines"))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("contains \\n");
            assertThatThrownBy(() -> sink.tryEmitNext("caf\u00e9"))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("US-ASCII cannot encode");
            assertThat(sink.tryEmitNext("last")).isEqualTo(EmitResult.OK);
            assertThat(sink.tryEmitComplete()).isEqualTo(EmitResult.OK);
            sink.done().block(WAIT);
            assertThat(reader.awaitExit(WAIT)).isZero();
        }
        assertThat(Files.readString(out)).isEqualTo("first\nlast\n");
    }

    /** emitNext retries as its handler says: a tiny queue and a handler that waits for room deliver every line. */
    @Test
    void emitNextRetriesAsItsHandlerSays() throws Exception {
        Path out = dir.resolve("out");
        int count = 20_000;
        try (Peer reader = Peer.start(out, "cat", pipe.path().toString())) {
            FifoSink sink = pipe.sink(WriteOptions.defaults().bufferSize(2));
            long deadline = System.nanoTime() + WAIT.toNanos();
            Sinks.EmitFailureHandler waitForRoom = (signal, result) -> {
                java.util.concurrent.locks.LockSupport.parkNanos(10_000);
                return result == EmitResult.FAIL_OVERFLOW && System.nanoTime() < deadline;
            };
            for (int i = 0; i < count; i++) {
                sink.emitNext("line " + i, waitForRoom);
            }
            assertThat(sink.tryEmitComplete()).isEqualTo(EmitResult.OK);
            sink.done().block(WAIT);
            assertThat(reader.awaitExit(WAIT)).isZero();
        }
        List<String> lines = Files.readAllLines(out);
        assertThat(lines).hasSize(count).startsWith("line 0").endsWith("line " + (count - 1));
    }

    /**
     * When the handler gives up on a full queue, the sink ends with an overflow, as Reactor's sinks
     * do; the line queued before it is still written.
     */
    @Test
    void emitNextThatGivesUpOnAFullQueueFailsTheSinkWithAnOverflow() throws Exception {
        Path out = dir.resolve("out");
        FifoSink sink = pipe.sink(WriteOptions.defaults().bufferSize(1)); // no reader yet: the queue stays full
        try {
            sink.emitNext("queued", Sinks.EmitFailureHandler.FAIL_FAST);
            sink.emitNext("overflows", Sinks.EmitFailureHandler.FAIL_FAST);
            try (Peer reader = Peer.start(out, "cat", pipe.path().toString())) {
                StepVerifier.create(sink.done())
                        .expectErrorSatisfies(e -> assertThat(reactor.core.Exceptions.isOverflow(e)).as("%s", e).isTrue())
                        .verify(WAIT);
                assertThat(reader.awaitExit(WAIT)).isZero();
            }
            assertThat(Files.readString(out)).isEqualTo("queued\n");
        } finally {
            sink.dispose();
        }
    }
}
