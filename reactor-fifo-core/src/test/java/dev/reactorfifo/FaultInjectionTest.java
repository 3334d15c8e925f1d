package dev.reactorfifo;

import static dev.reactorfifo.FifoTestSupport.assumeLinux;
import static dev.reactorfifo.FifoTestSupport.awaitReleased;
import static dev.reactorfifo.FifoTestSupport.openPipeDescriptors;
import static dev.reactorfifo.FifoTestSupport.shQuote;
import static dev.reactorfifo.FifoTestSupport.threadsInFifoCalls;
import static org.assertj.core.api.Assertions.assertThat;

import dev.reactorfifo.FifoTestSupport.Peer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Sinks;
import reactor.test.StepVerifier;

/**
 * Issue 6, faults: the peer process dies for real ({@code kill -9}), the path is deleted or
 * swapped under open descriptors. The library must deliver what it acknowledged exactly once,
 * report the fault with a typed error, and leave no descriptor or thread behind.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class FaultInjectionTest extends ReleaseChecked {

    private static final Duration WAIT = Duration.ofSeconds(20);
    /** How soon a fault must be reported once the peer is dead. */
    private static final Duration PROMPTLY = Duration.ofSeconds(2);

    @TempDir
    Path dir;


    // ---------------------------------------------------------------- writer killed

    /**
     * Documented result: a writer killed after complete lines and an unterminated fragment. The
     * reader delivers every complete line exactly once, then the fragment as the last element,
     * then completes at the EOF that the writer's death causes.
     */
    @Test
    void writerKilledMidLineDeliversEveryLineOnceThenTheFragmentThenCompletes() throws Exception {
        Path fifo = NamedPipe.create(dir.resolve("fifo")).path();
        Collector reader = Collector.subscribe(NamedPipe.of(fifo).lines(ReadOptions.defaults()));
        try (Peer writer = Peer.sh("exec 3>" + q(fifo) + "; seq 1 5000 >&3; printf 'partial line, no end' >&3;"
                + " exec sleep 60")) {
            reader.awaitSize(5000);
            assertThat(writer.process.isAlive()).as("the writer is still connected").isTrue();
            Thread.sleep(50); // the fragment is now in the pipe or in the reader's carry
            assertThat(reader.completed.getCount()).as("no completion while the writer lives").isEqualTo(1);
            writer.kill();
            assertThat(reader.completed.await(PROMPTLY.toMillis(), TimeUnit.MILLISECONDS)).isTrue();
        } finally {
            reader.dispose();
        }
        List<String> expected = numbers(1, 5000);
        expected.add("partial line, no end");
        assertThat(reader.errors).isEmpty();
        assertThat(reader.lines).isEqualTo(expected);
    }

    /**
     * The same with the kill landing wherever it lands: {@code seq} writes 4 KiB blocks that cut
     * lines anywhere. Whatever was delivered is 1..n in order, each once, the last element possibly a
     * fragment (a prefix of the next number), and the Flux completes.
     */
    @Test
    void writerKilledWhileStreamingLeavesAConsistentPrefix() throws Exception {
        Path fifo = NamedPipe.create(dir.resolve("fifo")).path();
        Collector reader = Collector.subscribe(NamedPipe.of(fifo).lines());
        try (Peer writer = Peer.sh("exec seq 1 1000000000 > " + q(fifo))) {
            reader.awaitSize(100_000);
            writer.kill();
            assertThat(reader.completed.await(WAIT.toMillis(), TimeUnit.MILLISECONDS)).isTrue();
        } finally {
            reader.dispose();
        }
        assertThat(reader.errors).isEmpty();
        List<String> lines = new ArrayList<>(reader.lines);
        String last = lines.remove(lines.size() - 1);
        assertThat(lines).isEqualTo(numbers(1, lines.size()));
        String previous = Integer.toString(lines.size());
        String next = Integer.toString(lines.size() + 1);
        assertThat(last).as("the last element is the next number or a fragment of it (after %s)", previous)
                .isNotEmpty().satisfies(l -> assertThat(next).startsWith(l));
        System.out.printf("writer killed while streaming: %d complete lines, last element '%s' of '%s'%n",
                lines.size(), last, next);
    }

    /**
     * In follow mode the fragment a killed writer leaves is emitted at its EOF, and the next writer's
     * first line starts a new line. (The next writer must connect after the reader saw that EOF: a
     * pipe has no in-band EOF, so a writer that connects before the reader noticed the death would
     * continue the fragment; that is the kernel's, not the library's, and is why the test waits.)
     */
    @Test
    void followModeEmitsTheFragmentAtTheKillAndDoesNotGlueTheNextWriterToIt() throws Exception {
        Path fifo = NamedPipe.create(dir.resolve("fifo")).path();
        Collector reader = Collector.subscribe(NamedPipe.of(fifo).lines(ReadOptions.defaults().follow(true)));
        try {
            try (Peer first = Peer.sh("exec 3>" + q(fifo) + "; printf 'a1\\na2\\nfrag' >&3; exec sleep 60")) {
                reader.awaitSize(2);
                first.kill();
            }
            reader.awaitSize(3);
            try (Peer second = Peer.sh("printf 'b1\\nb2\\n' > " + q(fifo))) {
                reader.awaitSize(5);
                assertThat(second.awaitExit(WAIT)).isZero();
            }
            Thread.sleep(50);
            assertThat(reader.lines).containsExactly("a1", "a2", "frag", "b1", "b2");
            assertThat(reader.completed.getCount()).as("follow mode goes on").isEqualTo(1);
            assertThat(reader.errors).isEmpty();
        } finally {
            reader.dispose();
        }
    }

    // ---------------------------------------------------------------- reader killed

    /**
     * A reader that holds the FIFO open but never reads: the pipe fills, the writer waits in poll
     * for room, and the reader's death must wake it at once with BrokenPipeException.
     */
    @Test
    void readerKilledWhileWriteLinesWaitsForRoomFailsAtOnce() throws Exception {
        Path fifo = NamedPipe.create(dir.resolve("fifo")).path();
        AtomicLong generated = new AtomicLong();
        Flux<String> endless = Flux.generate(sink -> sink.next(String.format("line-%08d", generated.incrementAndGet())));
        try (Peer reader = Peer.sh("exec 3<" + q(fifo) + "; exec sleep 60")) {
            ErrorTimer writer = ErrorTimer.subscribe(NamedPipe.of(fifo).writeLines(endless,
                    WriteOptions.defaults()));
            try {
                awaitStable(generated, "the pipe is full and the writer waits for room");
                assertThat(threadsInFifoCalls()).as("the poller waits for room").anyMatch(t -> t.startsWith("reactor-fifo-poller"));
                long killedAt = System.nanoTime();
                reader.kill();
                Throwable error = writer.await();
                
                long millis = writer.millisSince(killedAt);
                System.out.printf("reader killed while writeLines waited for room: BrokenPipeException after %d ms%n",
                        millis);
                assertThat(error).isInstanceOf(BrokenPipeException.class).hasMessageContaining(fifo.toString());
                long written = ((BrokenPipeException) error).linesWritten();
                assertThat(written).as("lines handed to the pipe").isPositive()
                        .isLessThanOrEqualTo(generated.get())
                        .isLessThanOrEqualTo(65536 / 14); // 14 bytes a line: no more than the pipe held
                assertThat(millis).isLessThan(PROMPTLY.toMillis());
            } finally {
                writer.dispose();
            }
        }
    }

    /** A reader that reads, killed while lines trickle: the next write fails, and nothing acknowledged was lost before. */
    @Test
    void readerKilledWhileWriteLinesTricklesFailsAtTheNextWrite() throws Exception {
        Path fifo = NamedPipe.create(dir.resolve("fifo")).path();
        Path received = dir.resolve("received");
        Flux<String> trickle = Flux.interval(Duration.ofMillis(20))
                .onBackpressureBuffer() // the writer requests only once the FIFO is open
                .map(i -> "line-" + (i + 1));
        try (Peer reader = Peer.start(received, "cat", fifo.toString())) {
            ErrorTimer writer = ErrorTimer.subscribe(NamedPipe.of(fifo).writeLines(trickle));
            try {
                HostileInputTest.awaitCondition(() -> Files.readAllLines(received).size() >= 5, "cat got 5 lines");
                long killedAt = System.nanoTime();
                reader.kill();
                Throwable error = writer.await();
                long millis = writer.millisSince(killedAt);
                System.out.printf("reader killed while writeLines trickled (a line per 20 ms): BrokenPipeException"
                        + " after %d ms%n", millis);
                assertThat(error).isInstanceOf(BrokenPipeException.class);
                long written = ((BrokenPipeException) error).linesWritten();
                List<String> got = Files.readAllLines(received);
                assertThat(got).isEqualTo(lines(1, got.size()));
                assertThat((long) got.size()).isLessThanOrEqualTo(written);
                assertThat(millis).isLessThan(PROMPTLY.toMillis());
            } finally {
                writer.dispose();
            }
        }
    }

    /** The same for a FifoSink whose queue and pipe are full: done() fails at once with the counts. */
    @Test
    void readerKilledWhileSinkWaitsForRoomFailsAtOnce() throws Exception {
        Path fifo = NamedPipe.create(dir.resolve("fifo")).path();
        try (Peer reader = Peer.sh("exec 3<" + q(fifo) + "; exec sleep 60")) {
            FifoSink sink = NamedPipe.of(fifo).sink(WriteOptions.defaults().bufferSize(64));
            ErrorTimer done = ErrorTimer.subscribe(sink.done());
            try {
                long accepted = 0;
                long deadline = System.nanoTime() + WAIT.toNanos();
                AtomicLong overflowsInARow = new AtomicLong();
                while (overflowsInARow.get() < 100) { // full for 100 x 2 ms: pipe and queue are both full
                    assertThat(System.nanoTime()).as("the sink fills up").isLessThan(deadline);
                    Sinks.EmitResult r = sink.tryEmitNext(String.format("line-%08d", accepted + 1));
                    if (r == Sinks.EmitResult.OK) {
                        accepted++;
                        overflowsInARow.set(0);
                    } else {
                        assertThat(r).isEqualTo(Sinks.EmitResult.FAIL_OVERFLOW);
                        overflowsInARow.incrementAndGet();
                        Thread.sleep(2);
                    }
                }
                assertThat(threadsInFifoCalls()).as("the poller waits for room").anyMatch(t -> t.startsWith("reactor-fifo-poller"));
                long killedAt = System.nanoTime();
                reader.kill();
                Throwable error = done.await();
                long millis = done.millisSince(killedAt);
                
                System.out.printf("reader killed while a FifoSink waited for room: BrokenPipeException after %d ms"
                        + " (%s)%n", millis, error.getMessage());
                assertThat(error).isInstanceOf(BrokenPipeException.class).hasMessageContaining("accepted lines were dropped unwritten");
                assertThat(((BrokenPipeException) error).linesWritten()).isPositive().isLessThan(accepted);
                assertThat(millis).isLessThan(PROMPTLY.toMillis());
                assertThat(sink.tryEmitNext("after")).isNotEqualTo(Sinks.EmitResult.OK);
            } finally {
                sink.dispose();
                done.dispose();
            }
        }
    }

    @Test
    void readerKilledWhileSinkTricklesFailsAtTheNextWrite() throws Exception {
        Path fifo = NamedPipe.create(dir.resolve("fifo")).path();
        Path received = dir.resolve("received");
        try (Peer reader = Peer.start(received, "cat", fifo.toString())) {
            FifoSink sink = NamedPipe.of(fifo).sink();
            ErrorTimer done = ErrorTimer.subscribe(sink.done());
            try {
                int n = 0;
                while (Files.readAllLines(received).size() < 5) {
                    assertThat(sink.tryEmitNext("line-" + ++n)).isEqualTo(Sinks.EmitResult.OK);
                    Thread.sleep(20);
                    assertThat(n).as("cat receives lines").isLessThan(1000);
                }
                long killedAt = System.nanoTime();
                reader.kill();
                while (done.error.get() == null && System.nanoTime() - killedAt < WAIT.toNanos()) {
                    sink.tryEmitNext("line-" + ++n); // the next write after the death fails
                    Thread.sleep(20);
                }
                Throwable error = done.await();
                long millis = done.millisSince(killedAt);
                System.out.printf("reader killed while a FifoSink trickled (a line per 20 ms): BrokenPipeException"
                        + " after %d ms%n", millis);
                assertThat(error).isInstanceOf(BrokenPipeException.class);
                List<String> got = Files.readAllLines(received);
                assertThat(got).isEqualTo(lines(1, got.size()));
                assertThat((long) got.size()).isLessThanOrEqualTo(((BrokenPipeException) error).linesWritten());
                assertThat(millis).isLessThan(PROMPTLY.toMillis());
            } finally {
                sink.dispose();
                done.dispose();
            }
        }
    }

    // ---------------------------------------------------------------- the path changes under open descriptors

    @Test
    void deletingThePathWhileBothEndsAreOpenDoesNotStopTheStream() throws Exception {
        Path fifo = NamedPipe.create(dir.resolve("fifo")).path();
        NamedPipe pipe = NamedPipe.of(fifo);
        Collector reader = Collector.subscribe(pipe.lines());
        FifoSink writer = pipe.sink();
        try {
            assertThat(writer.tryEmitNext("before")).isEqualTo(Sinks.EmitResult.OK);
            reader.awaitSize(1);
            assertThat(pipe.deleteIfExists()).isTrue();
            assertThat(fifo).doesNotExist();
            assertThat(writer.tryEmitNext("after")).isEqualTo(Sinks.EmitResult.OK);
            reader.awaitSize(2);

            StepVerifier.create(NamedPipe.of(fifo).lines())
                    .expectErrorSatisfies(e -> assertThat(e).isInstanceOf(NoSuchFileException.class)
                            .hasMessageContaining(fifo.toString()))
                    .verify(WAIT);
            StepVerifier.create(NamedPipe.of(fifo).writeLines(Flux.just("x")))
                    .expectError(NoSuchFileException.class)
                    .verify(WAIT);

            assertThat(writer.tryEmitComplete()).isEqualTo(Sinks.EmitResult.OK);
            StepVerifier.create(writer.done()).expectComplete().verify(WAIT);
            assertThat(reader.completed.await(WAIT.toMillis(), TimeUnit.MILLISECONDS)).isTrue();
            assertThat(reader.lines).containsExactly("before", "after");
            assertThat(reader.errors).isEmpty();
        } finally {
            writer.dispose();
            reader.dispose();
        }
    }

    @Test
    void pathSwappedForARegularFileAfterCreateIfAbsentIsNotAFifo() throws Exception {
        Path path = dir.resolve("fifo");
        NamedPipe pipe = NamedPipe.createIfAbsent(path);
        Files.delete(path);
        Files.writeString(path, "planted\n");

        StepVerifier.create(pipe.lines())
                .expectErrorSatisfies(e -> assertThat(e).isInstanceOf(NotAFifoException.class)
                        .hasMessageContaining(path.toString()).hasMessageContaining("regular file"))
                .verify(WAIT);
        StepVerifier.create(pipe.writeLines(Flux.just("injected")))
                .expectErrorSatisfies(e -> assertThat(e).isInstanceOf(NotAFifoException.class)
                        .hasMessageContaining("regular file"))
                .verify(WAIT);
        assertThat(path).hasContent("planted");
    }

    /** Follow mode reopens the path after every writer: a path swapped or deleted meanwhile ends the stream with a typed error. */
    @Test
    void followModeReportsAPathSwappedOrDeletedBetweenWriters() throws Exception {
        for (boolean swap : new boolean[] {true, false}) {
            Path path = dir.resolve(swap ? "swapped" : "deleted");
            NamedPipe pipe = NamedPipe.create(path);
            Collector reader = Collector.subscribe(pipe.lines(ReadOptions.defaults().follow(true)));
            try {
                // hold a write end so the reader sees no EOF until the path has changed
                try (Peer writer = Peer.sh("exec 3>" + q(path) + "; printf 'one\\n' >&3; exec sleep 60")) {
                    reader.awaitSize(1);
                    Files.delete(path);
                    if (swap) {
                        Files.writeString(path, "planted\n");
                    }
                    writer.kill();
                }
                HostileInputTest.awaitCondition(() -> !reader.errors.isEmpty(), "the reopen fails");
                assertThat(reader.errors).hasSize(1);
                assertThat(reader.completed.getCount()).isEqualTo(1);
                if (swap) {
                    assertThat(reader.errors.get(0)).isInstanceOf(NotAFifoException.class)
                            .hasMessageContaining(path.toString());
                } else {
                    assertThat(reader.errors.get(0)).isInstanceOf(NoSuchFileException.class)
                            .hasMessageContaining(path.toString());
                }
                assertThat(reader.lines).containsExactly("one");
            } finally {
                reader.dispose();
            }
        }
    }

    // ================================================================ helpers

    private static String q(Path path) {
        return shQuote(path.toString());
    }

    private static List<String> numbers(int from, int to) {
        return IntStream.rangeClosed(from, to).mapToObj(Integer::toString).collect(Collectors.toCollection(ArrayList::new));
    }

    private static List<String> lines(int from, int to) {
        return IntStream.rangeClosed(from, to).mapToObj(i -> "line-" + i).collect(Collectors.toList());
    }

    /** Waits until {@code counter} has not moved for 300 ms. */
    private static void awaitStable(AtomicLong counter, String what) throws Exception {
        long deadline = System.nanoTime() + WAIT.toNanos();
        long last = -1;
        while (counter.get() != last || counter.get() == 0) {
            assertThat(System.nanoTime()).as("timed out waiting until " + what).isLessThan(deadline);
            last = counter.get();
            Thread.sleep(300);
        }
    }

    /** Collects a Flux of lines. */
    static final class Collector {
        final List<String> lines = Collections.synchronizedList(new ArrayList<>());
        final List<Throwable> errors = Collections.synchronizedList(new ArrayList<>());
        final CountDownLatch completed = new CountDownLatch(1);
        private Disposable subscription;

        static Collector subscribe(Flux<String> flux) {
            Collector c = new Collector();
            c.subscription = flux.subscribe(c.lines::add, c.errors::add, c.completed::countDown);
            return c;
        }

        void awaitSize(int size) throws Exception {
            long deadline = System.nanoTime() + WAIT.toNanos();
            while (lines.size() < size) {
                if (!errors.isEmpty()) {
                    throw new AssertionError("failed after " + lines.size() + " lines", errors.get(0));
                }
                assertThat(System.nanoTime()).as("timed out waiting for %d lines, got %d", size, lines.size())
                        .isLessThan(deadline);
                Thread.sleep(2);
            }
        }

        void dispose() {
            subscription.dispose();
        }
    }

    /** Subscribes and records when the error signal arrives. */
    static final class ErrorTimer {
        final AtomicReference<Throwable> error = new AtomicReference<>();
        final AtomicLong errorAt = new AtomicLong();
        final CountDownLatch terminated = new CountDownLatch(1);
        private Disposable subscription;

        static ErrorTimer subscribe(org.reactivestreams.Publisher<?> publisher) {
            ErrorTimer t = new ErrorTimer();
            t.subscription = Flux.from(publisher).subscribe(v -> { }, e -> {
                t.errorAt.set(System.nanoTime());
                t.error.set(e);
                t.terminated.countDown();
            }, t.terminated::countDown);
            return t;
        }

        Throwable await() throws InterruptedException {
            assertThat(terminated.await(WAIT.toMillis(), TimeUnit.MILLISECONDS)).as("the writer terminates").isTrue();
            assertThat(error.get()).as("the writer fails").isNotNull();
            return error.get();
        }

        long millisSince(long nanos) {
            return TimeUnit.NANOSECONDS.toMillis(errorAt.get() - nanos);
        }

        void dispose() {
            subscription.dispose();
        }
    }
}
