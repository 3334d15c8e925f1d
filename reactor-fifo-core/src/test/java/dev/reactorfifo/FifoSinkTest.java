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
            while (sink.tryEmitNext("payload line") != EmitResult.FAIL_CANCELLED
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

    @Test
    void refusesALineWithATerminator() {
        FifoSink sink = pipe.sink(WriteOptions.defaults());
        try {
            assertThatThrownBy(() -> sink.tryEmitNext("two\nlines"))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("must not contain");
        } finally {
            sink.dispose();
        }
    }
}
