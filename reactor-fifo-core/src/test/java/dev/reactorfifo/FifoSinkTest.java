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
                    sink.whenWritable().block(WAIT); // a producer that honours backpressure waits for room
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

    /**
     * whenWritable() completes at once while at most half of bufferSize lines are unwritten, and
     * otherwise once the writer has written enough of them; with no reader on the FIFO nothing can
     * be written, so the wait cannot have completed before the reader comes.
     */
    @Test
    void whenWritableWaitsUntilHalfTheBufferIsWrittenOnceAReaderComes() throws Exception {
        FifoSink sink = pipe.sink(WriteOptions.defaults().bufferSize(4));
        try {
            assertThat(sink.whenWritable().toFuture()).as("an empty sink has room").isDone();
            assertThat(sink.tryEmitNext("a")).isEqualTo(EmitResult.OK);
            assertThat(sink.tryEmitNext("b")).isEqualTo(EmitResult.OK);
            assertThat(sink.whenWritable().toFuture()).as("2 of 4 lines unwritten: room").isDone();
            assertThat(sink.tryEmitNext("c")).isEqualTo(EmitResult.OK);
            assertThat(sink.tryEmitNext("d")).isEqualTo(EmitResult.OK);
            assertThat(sink.tryEmitNext("e")).isEqualTo(EmitResult.FAIL_OVERFLOW);
            java.util.concurrent.CompletableFuture<Void> room = sink.whenWritable().toFuture();
            java.util.concurrent.CompletableFuture<Void> joined = sink.whenWritable().toFuture();
            assertThat(room).as("no reader yet: nothing written, no room").isNotDone();
            try (Peer reader = Peer.start(out, "cat", pipe.path().toString())) {
                room.get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
                joined.get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
                assertThat(sink.tryEmitNext("e")).isEqualTo(EmitResult.OK);
                assertThat(sink.tryEmitComplete()).isEqualTo(EmitResult.OK);
                StepVerifier.create(sink.done()).expectComplete().verify(WAIT);
                assertThat(reader.awaitExit(WAIT)).isZero();
            }
            assertThat(Files.readString(out)).isEqualTo("a\nb\nc\nd\ne\n");
            assertThat(sink.whenWritable().toFuture()).as("an ended sink answers at once").isDone();
        } finally {
            sink.dispose();
        }
    }

    /** A wait for room ends with the sink: the next emit then says how it ended. */
    @Test
    void whenWritableCompletesWhenTheSinkIsDisposedOrCompleted() throws Exception {
        FifoSink disposed = pipe.sink(WriteOptions.defaults().bufferSize(1));
        try {
            assertThat(disposed.tryEmitNext("a")).isEqualTo(EmitResult.OK);
            java.util.concurrent.CompletableFuture<Void> room = disposed.whenWritable().toFuture();
            assertThat(room).as("no reader: no room").isNotDone();
            disposed.dispose();
            room.get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
            assertThat(disposed.tryEmitNext("b")).isEqualTo(EmitResult.FAIL_CANCELLED);
        } finally {
            disposed.dispose();
        }

        FifoSink completed = NamedPipe.createIfAbsent(dir.resolve("completed")).sink(WriteOptions.defaults().bufferSize(1));
        try {
            assertThat(completed.tryEmitNext("a")).isEqualTo(EmitResult.OK);
            java.util.concurrent.CompletableFuture<Void> room = completed.whenWritable().toFuture();
            assertThat(room).as("no reader: no room").isNotDone();
            assertThat(completed.tryEmitComplete()).isEqualTo(EmitResult.OK);
            assertThat(room).as("the completion ends the wait, though nothing could be written").isDone();
            assertThat(completed.whenWritable().toFuture()).as("completed: no more lines, no wait").isDone();
            assertThat(completed.tryEmitNext("b")).isEqualTo(EmitResult.FAIL_TERMINATED);
        } finally {
            completed.dispose();
        }
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
                        .hasMessageContaining("disposed; 0 lines were written, 1 accepted line was dropped"))
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
                            .hasMessageMatching("(?s).*; \\d+ lines? (was|were) written, \\d+ accepted lines? (was|were) dropped unwritten"))
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
     * The producer's error comes while its lines wait for room in the full pipe, then the reader
     * goes away: done() still fails with the producer's error, with the broken pipe and the
     * counts suppressed in it.
     */
    @Test
    void tryEmitErrorBehindAFullPipeStaysTheOutcomeWhenTheReaderGoesAway() throws Exception {
        FifoSink sink = pipe.sink(WriteOptions.defaults());
        try (Peer stalled = Peer.sh("exec 3< " + FifoTestSupport.shQuote(pipe.path().toString()) + "; exec sleep 60")) {
            String line = "x".repeat(99);
            for (int i = 0; i < 800; i++) { // 80 KB: more than the pipe takes
                emitRetryingOnOverflow(sink, line);
            }
            assertThat(sink.tryEmitError(new IllegalStateException("producer failed"))).isEqualTo(EmitResult.OK);
            FifoTestSupport.awaitWriterWaitingForRoom(pipe.path());
            FifoTestSupport.killTree(stalled);
            StepVerifier.create(sink.done())
                    .expectErrorSatisfies(e -> {
                        assertThat(e).isInstanceOf(IllegalStateException.class).hasMessage("producer failed");
                        assertThat(e.getSuppressed()).anySatisfy(s -> assertThat(s).isInstanceOf(BrokenPipeException.class));
                        assertThat(e.getSuppressed()).anySatisfy(s -> assertThat(s)
                                .hasMessageMatching("(?s).*\\d+ lines? (was|were) written, \\d+ accepted lines? (was|were) dropped unwritten"));
                    })
                    .verify(WAIT);
        }
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
                if (result != EmitResult.FAIL_OVERFLOW || System.nanoTime() > deadline) {
                    return false;
                }
                sink.whenWritable().block(WAIT);
                return true;
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

    /**
     * The emitting thread stages lines in chunks and writes each when full; what a burst leaves
     * staged is written by a deferred flush, without another emit or a completion. Lines of every
     * size: shorter than a chunk, longer than PIPE_BUF (a chunk of their own) and longer than the
     * 64 KiB batch (written in slices). Then a lone line after the burst is written too.
     */
    @Test
    void aBurstReachesTheReaderToItsLastLineWithoutACompletionAndALoneLineAfterIt() throws Exception {
        try (Peer reader = Peer.start(out, "cat", pipe.path().toString())) {
            FifoSink sink = pipe.sink(WriteOptions.defaults());
            java.util.List<String> expected = new java.util.ArrayList<>();
            for (int i = 0; i < 30_000; i++) {
                int size = i % 5000 == 17 ? 70_000 : i % 1000 == 3 ? 5_000 : 1 + i % 40;
                String line = i + " " + "x".repeat(size);
                expected.add(line);
                emitRetryingOnOverflow(sink, line);
            }
            awaitLines(expected);
            emitRetryingOnOverflow(sink, "lone");
            expected.add("lone");
            awaitLines(expected);
            assertThat(sink.tryEmitComplete()).isEqualTo(EmitResult.OK);
            sink.done().block(WAIT);
            assertThat(reader.awaitExit(WAIT)).isZero();
        }
    }

    /**
     * Bursts of full chunks that stop at any point of a group (a burst's chunks are written in
     * groups of up to four, and the ones of a group the burst ended are left to the deferred
     * flush), with the line length changing between and inside bursts (a group's chunks limit
     * how many shorter lines the next one takes): after each burst, with no completion, every
     * line reaches the reader.
     */
    @Test
    void burstsThatEndAnywhereInAGroupReachTheReaderWithoutACompletion() throws Exception {
        java.util.Random random = new java.util.Random(20261201);
        try (Peer reader = Peer.start(out, "cat", pipe.path().toString())) {
            FifoSink sink = pipe.sink(WriteOptions.defaults());
            java.util.List<String> expected = new java.util.ArrayList<>();
            for (int burst = 0; burst < 40; burst++) {
                int bytes = 4096 * (1 + random.nextInt(6)) + random.nextInt(4096);
                int length = 1 + random.nextInt(60);
                for (int written = 0; written < bytes; ) {
                    if (random.nextInt(200) == 0) {
                        length = 1 + random.nextInt(60);
                    }
                    String line = burst + ":" + "y".repeat(length);
                    expected.add(line);
                    emitRetryingOnOverflow(sink, line);
                    written += line.length() + 1;
                }
                awaitLines(expected);
            }
            assertThat(sink.tryEmitComplete()).isEqualTo(EmitResult.OK);
            sink.done().block(WAIT);
            assertThat(reader.awaitExit(WAIT)).isZero();
        }
    }

    /**
     * Emits from several threads take turns (an overlap answers FAIL_NON_SERIALIZED and is
     * retried), while the writer takes staged lines on whichever thread drains: every line is
     * written once, and each thread's lines keep their order.
     */
    @Test
    void linesEmittedFromSeveralThreadsAreWrittenOnceInEachThreadsOrder() throws Exception {
        int threads = 4;
        int perThread = 20_000;
        try (Peer reader = Peer.start(out, "cat", pipe.path().toString())) {
            FifoSink sink = pipe.sink(WriteOptions.defaults().bufferSize(64));
            java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(threads);
            try {
                java.util.List<java.util.concurrent.Future<?>> emitters = new java.util.ArrayList<>();
                for (int t = 0; t < threads; t++) {
                    int thread = t;
                    emitters.add(pool.submit(() -> {
                        for (int i = 0; i < perThread; i++) {
                            emitRetryingOnOverflow(sink, "t" + thread + " " + i);
                        }
                        return null;
                    }));
                }
                for (java.util.concurrent.Future<?> emitter : emitters) {
                    emitter.get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
                }
            } finally {
                pool.shutdownNow();
            }
            assertThat(sink.tryEmitComplete()).isEqualTo(EmitResult.OK);
            sink.done().block(WAIT);
            assertThat(reader.awaitExit(WAIT)).isZero();
        }
        List<String> lines = Files.readAllLines(out);
        assertThat(lines).hasSize(threads * perThread);
        int[] next = new int[threads];
        for (String line : lines) {
            int space = line.indexOf(' ');
            int thread = Integer.parseInt(line.substring(1, space));
            assertThat(Integer.parseInt(line.substring(space + 1))).as("thread %d's next line", thread)
                    .isEqualTo(next[thread]++);
        }
    }

    /** Retries an emit while the sink holds bufferSize unwritten lines (waiting for room), or another thread emits. */
    private static void emitRetryingOnOverflow(FifoSink sink, String line) {
        long deadline = System.nanoTime() + WAIT.toNanos();
        for (;;) {
            EmitResult r = sink.tryEmitNext(line);
            if (r == EmitResult.OK) {
                return;
            }
            assertThat(r).isIn(EmitResult.FAIL_OVERFLOW, EmitResult.FAIL_NON_SERIALIZED);
            assertThat(System.nanoTime()).as("the sink took the line in time").isLessThan(deadline);
            if (r == EmitResult.FAIL_OVERFLOW) {
                sink.whenWritable().block(WAIT);
            } else {
                Thread.onSpinWait(); // another thread's emit, over in moments
            }
        }
    }

    /** Waits until the reader's output holds exactly {@code expected}, or fails after {@link #WAIT}. */
    private void awaitLines(List<String> expected) throws Exception {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (Files.size(out) < expectedBytes(expected) && System.nanoTime() < deadline) {
            Thread.sleep(5); // polls a condition: the output file's size
        }
        assertThat(Files.readAllLines(out)).isEqualTo(expected);
    }

    private static long expectedBytes(List<String> lines) {
        long n = 0;
        for (String line : lines) {
            n += line.length() + 1;
        }
        return n;
    }
}
