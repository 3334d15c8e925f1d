package dev.reactorfifo;

import static dev.reactorfifo.FifoTestSupport.awaitReleased;
import static dev.reactorfifo.FifoTestSupport.openPipeDescriptors;
import static dev.reactorfifo.FifoTestSupport.shQuote;
import static dev.reactorfifo.FifoTestSupport.threadsInFifoCalls;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import dev.reactorfifo.FifoTestSupport.Peer;
import java.nio.charset.CharacterCodingException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import reactor.core.Disposable;
import reactor.core.Exceptions;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Sinks;
import reactor.core.scheduler.Schedulers;
import reactor.test.StepVerifier;

/** {@link NamedPipe#writeLines} against real FIFOs and real reader processes. */
class WriteLinesTest extends FifoTestCase {

    Path out;

    @BeforeEach
    void outputFile() {
        out = dir.resolve("out.txt");
    }

    private Peer catReader() throws Exception {
        return Peer.start(out, "cat", pipe.path().toString());
    }

    @ParameterizedTest(name = "{0} upstream")
    @ValueSource(strings = {"fused", "plain", "async"})
    void writesEveryLineByteExact(String kind) throws Exception {
        Flux<String> base = Flux.range(0, 100_000).map(i -> "line " + i + " \u00e9\u20ac".repeat(i % 3));
        Function<Flux<String>, Flux<String>> shape = kind.equals("fused") ? f -> f
                : kind.equals("plain") ? Flux::hide : f -> f.publishOn(Schedulers.parallel(), 32);
        String expected = base.collect(Collectors.joining("\n", "", "\n")).block();
        try (Peer reader = catReader()) {
            StepVerifier.create(pipe.writeLines(shape.apply(base), WriteOptions.defaults())).expectComplete().verify(WAIT);
            assertThat(reader.awaitExit(WAIT)).as("the reader saw EOF: the descriptor is closed").isZero();
        }
        assertThat(Files.readString(out, UTF_8)).isEqualTo(expected);
    }

    @Test
    void waitsForAReaderThatComesLater() throws Exception {
        StepVerifier verifier = StepVerifier.create(pipe.writeLines(Flux.just("hello", "world"), WriteOptions.defaults()))
                .expectComplete().verifyLater();
        Thread.sleep(300);
        try (Peer reader = catReader()) {
            verifier.verify(WAIT);
            assertThat(reader.awaitExit(WAIT)).isZero();
        }
        assertThat(Files.readString(out)).isEqualTo("hello\nworld\n");
    }

    /** Past its first second of waiting a writer retries less often, and still notices a reader. */
    @Test
    void aWriterThatWaitedLongerThanASecondStillNoticesAReader() throws Exception {
        StepVerifier verifier = StepVerifier.create(pipe.writeLines(Flux.just("late"), WriteOptions.defaults()))
                .expectComplete().verifyLater();
        Thread.sleep(1_500); // the reader comes late: the writer's backoff has grown
        try (Peer reader = catReader()) {
            // within its longest pause (200 ms), with room for a slow start of the reader
            verifier.verify(Duration.ofSeconds(3));
            assertThat(reader.awaitExit(WAIT)).isZero();
        }
        assertThat(Files.readString(out)).isEqualTo("late\n");
    }

    @Test
    void failsAtOnceWithoutAReaderWhenToldNotToWait() {
        StepVerifier.create(pipe.writeLines(Flux.just("x"), WriteOptions.defaults().awaitReader(false)))
                .expectErrorSatisfies(e -> assertThat(e).isInstanceOf(NoReaderException.class)
                        .hasMessageContaining(pipe.path().toString()))
                .verify(Duration.ofSeconds(2));
    }

    @Test
    void aReaderThatLeavesBreaksThePipeAndCancelsTheUpstream() throws Exception {
        Sinks.Empty<Void> upstreamCancelled = Sinks.empty();
        Flux<String> endless = Flux.range(0, Integer.MAX_VALUE).map(i -> "line " + i)
                .doOnCancel(upstreamCancelled::tryEmitEmpty);
        try (Peer reader = Peer.start(out, "head", "-n", "1", pipe.path().toString())) {
            StepVerifier.create(pipe.writeLines(endless, WriteOptions.defaults()))
                    .expectErrorSatisfies(e -> {
                        assertThat(e).isInstanceOf(BrokenPipeException.class)
                                .hasMessageContaining(pipe.path() + ": the reader went away");
                        assertThat(((BrokenPipeException) e).linesWritten()).isPositive();
                        long written = ((BrokenPipeException) e).linesWritten();
                        assertThat(e.getMessage()).contains(written + (written == 1 ? " line was" : " lines were")
                                + " written into the pipe");
                    })
                    .verify(WAIT);
        }
        StepVerifier.create(upstreamCancelled.asMono()).expectComplete().verify(WAIT);
        assertThat(Files.readString(out)).isEqualTo("line 0\n");
    }

    /**
     * An upstream that ignores backpressure (sends more than writeLines requested) fails the write
     * with an overflow instead of growing the queue: the bound is checked in onNext, as the queue
     * itself grows in linked chunks.
     */
    @Test
    void anUpstreamThatSendsMoreThanRequestedFailsWithOverflow() throws Exception {
        org.reactivestreams.Publisher<String> rude = subscriber -> {
            subscriber.onSubscribe(new org.reactivestreams.Subscription() {
                boolean sent;

                @Override
                public void request(long n) {
                    if (!sent) {
                        sent = true;
                        for (int i = 0; i < 10_000; i++) { // whatever was asked for
                            subscriber.onNext("line " + i);
                        }
                    }
                }

                @Override
                public void cancel() {
                }
            });
        };
        try (Peer reader = Peer.start(dir.resolve("out"), "cat", pipe.path().toString())) {
            StepVerifier.create(pipe.writeLines(rude))
                    .expectErrorSatisfies(e -> assertThat(Exceptions.isOverflow(e)).as("overflow: %s", e).isTrue())
                    .verify(WAIT);
            reader.awaitExit(WAIT);
        }
    }

    @Test
    void aLineWithATerminatorFailsBeforeAnyOfItsBytesIsWritten() throws Exception {
        try (Peer reader = catReader()) {
            StepVerifier.create(pipe.writeLines(Flux.just("ok", "bad\nline", "never"), WriteOptions.defaults()))
                    .expectErrorSatisfies(e -> assertThat(e).isInstanceOf(IllegalArgumentException.class)
                            .hasMessageContaining("line 2 contains \\n"))
                    .verify(WAIT);
            assertThat(reader.awaitExit(WAIT)).isZero();
        }
        assertThat(Files.readString(out)).isEqualTo("ok\n");
    }

    @Test
    void aRefusedLineStillLetsEveryEarlierLineThroughASlowReader() throws Exception {
        List<String> good = IntStream.range(0, 20_000).mapToObj(i -> "good line " + i).collect(Collectors.toList());
        // a slow reader (16 KiB every 10 ms), so the pipe is full when the bad line comes
        String slowReader = "exec 3< " + fifo + "; while [ \"$(dd bs=16384 count=1 <&3 2>/dev/null | tee -a "
                + shQuote(out.toString()) + " | wc -c)\" -gt 0 ]; do sleep 0.01; done";
        try (Peer reader = Peer.sh(slowReader)) {
            StepVerifier.create(pipe.writeLines(Flux.concat(Flux.fromIterable(good), Flux.just("bad\nline")).hide(),
                            WriteOptions.defaults()))
                    .expectError(IllegalArgumentException.class)
                    .verify(WAIT);
            assertThat(reader.awaitExit(WAIT)).isZero();
        }
        assertThat(Files.readAllLines(out)).isEqualTo(good);
    }

    /**
     * The reader goes away while the lines before an upstream error, or before a refused line,
     * are still waiting for room: that error is still the one signalled, with the broken pipe
     * suppressed in it (it was lost, replaced by the BrokenPipeException).
     */
    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"an upstream error", "a refused line", "an upstream error that takes no suppressed one"})
    void anErrorBehindAFullPipeIsNotLostWhenTheReaderGoesAway(String kind) throws Exception {
        // 80 KB: more than the pipe takes, and few enough that the writer asks for them all (and
        // so for what follows them) before the pipe is full
        List<String> lines = IntStream.range(0, 800).mapToObj(i -> String.format("%099d", i)).collect(Collectors.toList());
        Sinks.Empty<Void> errorReached = Sinks.empty();
        boolean refused = kind.equals("a refused line");
        boolean takesNone = kind.endsWith("takes no suppressed one");
        RuntimeException upstreamError = takesNone ? new UnsuppressibleFailure("the upstream failed")
                : new IllegalStateException("the upstream failed");
        Flux<String> upstream = refused
                // the writer cancels its upstream when it refuses a line
                ? Flux.concat(Flux.fromIterable(lines), Flux.just("bad\nline")).doOnCancel(errorReached::tryEmitEmpty)
                : Flux.concat(Flux.fromIterable(lines), Flux.<String>error(upstreamError)).doOnError(e -> errorReached.tryEmitEmpty());
        Class<? extends Exception> expected = refused ? IllegalArgumentException.class : upstreamError.getClass();
        List<Throwable> dropped = java.util.Collections.synchronizedList(new ArrayList<>());
        reactor.core.publisher.Hooks.onErrorDropped(dropped::add);
        try (Peer stalled = Peer.sh("exec 3< " + fifo + "; exec sleep 60")) {
            StepVerifier verifier = StepVerifier.create(pipe.writeLines(upstream.hide()))
                    .expectErrorSatisfies(e -> {
                        assertThat(e).isInstanceOf(expected);
                        if (takesNone) {
                            assertThat(e).isSameAs(upstreamError);
                            return; // the broken pipe went to onErrorDropped, checked below
                        }
                        assertThat(e.getSuppressed()).as("the later failure, suppressed")
                                .anySatisfy(s -> assertThat(s).isInstanceOf(BrokenPipeException.class)
                                        .hasMessageContaining(pipe.path() + ": the reader went away"));
                    })
                    .verifyLater();
            // the error has reached the writer (or it refused the line), and the lines before it
            // wait for room in the full pipe (the 64 KiB a pipe holds by default, and the batch)
            StepVerifier.create(errorReached.asMono()).as("the error reached the writer").expectComplete().verify(WAIT);
            FifoTestSupport.awaitWriterWaitingForRoom(pipe.path());
            FifoTestSupport.killTree(stalled);
            verifier.verify(WAIT);
            if (takesNone) {
                // dropped right after the subscriber's onError, which verify() may have seen first
                LinesTest.awaitCondition(() -> !dropped.isEmpty(), "the broken pipe reached onErrorDropped");
                assertThat(dropped).as("the broken pipe, which the error could not take").singleElement()
                        .isInstanceOf(BrokenPipeException.class);
            } else {
                assertThat(dropped).as("errors dropped").isEmpty();
            }
        } finally {
            reactor.core.publisher.Hooks.resetOnErrorDropped();
        }
    }

    /** An exception built with suppression disabled: addSuppressed leaves it as it is. */
    static final class UnsuppressibleFailure extends RuntimeException {
        private static final long serialVersionUID = 1L;

        UnsuppressibleFailure(String message) {
            super(message, null, false, true);
        }
    }

    /**
     * Demand for lines is counted in bytes, as for buffers: a reader that reads nothing holds up a
     * few pipe-fulls of 64 KiB lines, not 512 of them (32 MiB; of 1 MiB lines, half a gigabyte).
     */
    @ParameterizedTest(name = "an empty first line: {0}")
    @ValueSource(booleans = {false, true}) // an empty first line must not unlock a large demand
    void writeLinesRequestsLinesByTheirSizeNotByTheirNumber(boolean emptyFirst) throws Exception {
        AtomicLong emitted = new AtomicLong();
        String line = "x".repeat(64 * 1024);
        Flux<String> large = Flux.generate(sink -> sink.next(line));
        Flux<String> upstream = (emptyFirst ? Flux.concat(Flux.just(""), large) : large).doOnNext(l -> emitted.incrementAndGet());
        try (Peer stalled = Peer.sh("exec 3< " + fifo + "; exec sleep 60")) {
            Disposable writer = pipe.writeLines(upstream.hide()).subscribe(v -> { }, e -> { });
            try {
                // the writer's wait for room is armed: the pipe is full, and every line it asked
                // for is taken (Flux.generate emits within request), so none is taken until room
                FifoTestSupport.awaitWriterWaitingForRoom(pipe.path());
                // the pipe (64 KiB), the batch (64 KiB), the 256 KiB asked ahead and one in hand
                assertThat(emitted.get()).as("64 KiB lines taken from the upstream").isLessThanOrEqualTo(emptyFirst ? 9 : 8);
            } finally {
                writer.dispose();
            }
            LinesTest.awaitCondition(() -> FifoTestSupport.waitersOn(pipe.path()).isEmpty(), "the writer let go");
        }
    }

    /**
     * Demand cannot be taken back: after many short lines, up to the 64 lines asked for ahead may
     * come long. No more than those: 512 short lines then 64 KiB ones.
     */
    @Test
    void longLinesAfterShortOnesAreHeldUpToTheLinesAskedForAhead() throws Exception {
        AtomicLong longOnes = new AtomicLong();
        String line = "x".repeat(64 * 1024);
        Flux<String> upstream = Flux.concat(Flux.range(0, 512).map(i -> "short " + i),
                Flux.<String>generate(sink -> sink.next(line)).doOnNext(l -> longOnes.incrementAndGet()));
        try (Peer stalled = Peer.sh("exec 3< " + fifo + "; exec sleep 60")) {
            Disposable writer = pipe.writeLines(upstream.hide()).subscribe(v -> { }, e -> { });
            try {
                FifoTestSupport.awaitWriterWaitingForRoom(pipe.path());
                // the 64 asked for while the lines were short, then the pipe and the batch
                assertThat(longOnes.get()).as("64 KiB lines taken from the upstream").isBetween(1L, 64L + 4);
            } finally {
                writer.dispose();
            }
            LinesTest.awaitCondition(() -> FifoTestSupport.waitersOn(pipe.path()).isEmpty(), "the writer let go");
        }
    }

    @Test
    void aLineLongerThanThePipeIsWrittenOnceEvenWhenItMustWaitForRoom() throws Exception {
        String huge = "h".repeat(200_000);
        try (Peer reader = Peer.start(out, "sh", "-c", "sleep 0.3; exec cat " + fifo)) {
            StepVerifier.create(pipe.writeLines(Flux.just("before", huge, "tail"), WriteOptions.defaults()))
                    .expectComplete()
                    .verify(WAIT);
            assertThat(reader.awaitExit(WAIT)).isZero();
        }
        assertThat(Files.readAllLines(out)).containsExactly("before", huge, "tail");
    }

    @Test
    void anUpstreamErrorIsNotHeldBackWhileWaitingForAReader() {
        StepVerifier.create(pipe.writeLines(Flux.error(new IllegalStateException("no lines today")), WriteOptions.defaults()))
                .expectErrorMessage("no lines today")
                .verify(Duration.ofSeconds(2));
    }

    @Test
    void anUnencodableCharacterIsAnErrorNotAQuestionMark() throws Exception {
        try (Peer reader = catReader()) {
            StepVerifier.create(pipe.writeLines(Flux.just("caf\u00e9", "\u20ac"),
                            WriteOptions.defaults().charset(java.nio.charset.StandardCharsets.ISO_8859_1)))
                    .expectError(CharacterCodingException.class)
                    .verify(WAIT);
            assertThat(reader.awaitExit(WAIT)).isZero();
        }
        assertThat(Files.readAllBytes(out)).containsExactly('c', 'a', 'f', 0xE9, '\n');
    }

    @Test
    void anUpstreamErrorArrivesAfterTheDescriptorIsClosed() throws Exception {
        try (Peer reader = catReader()) {
            StepVerifier.create(pipe.writeLines(Flux.concat(Flux.just("a", "b"),
                            Flux.error(new IllegalStateException("boom"))), WriteOptions.defaults()))
                    .expectErrorMessage("boom")
                    .verify(WAIT);
            assertThat(reader.awaitExit(WAIT)).isZero();
        }
        assertThat(Files.readString(out)).isEqualTo("a\nb\n");
    }

    @Test
    void aLoneLineWithAnIdleUpstreamReachesABlockingReaderAtOnce() throws Exception {
        Sinks.Many<String> upstream = Sinks.many().unicast().onBackpressureBuffer();
        try (Peer reader = Peer.start(out, "head", "-n", "1", pipe.path().toString())) {
            Disposable writing = pipe.writeLines(upstream.asFlux(), WriteOptions.defaults()).subscribe(v -> { }, e -> { });
            try {
                upstream.tryEmitNext("only one, and nothing follows");
                // head exits after its first line: only possible if the line was written without
                // waiting for more lines or for the upstream to complete
                assertThat(reader.awaitExit(Duration.ofSeconds(2))).isZero();
            } finally {
                writing.dispose();
            }
        }
        assertThat(Files.readString(out)).isEqualTo("only one, and nothing follows\n");
    }

    @Test
    void cancelWhileWaitingForAReaderReleasesEverythingAndSparesAnOutsideWriter() throws Exception {
        FifoTestSupport.assumeLinux();
        try (Peer outsideWriter = Peer.sh("printf 'from outside\\n' > " + fifo)) {
            List<String> baseline = openPipeDescriptors();
            Disposable writing = pipe.writeLines(Flux.just("never written"), WriteOptions.defaults()).subscribe(v -> { }, e -> { });
            Thread.sleep(100); // let it retry the open a few times
            writing.dispose();
            awaitReleased(baseline, RELEASE);
            assertThat(outsideWriter.process.isAlive()).as("the outside writer still waits, unharmed").isTrue();
            try (Peer reader = catReader()) {
                assertThat(reader.awaitExit(WAIT)).isZero();
                assertThat(outsideWriter.awaitExit(WAIT)).isZero();
            }
        }
        assertThat(Files.readString(out)).isEqualTo("from outside\n");
    }

    @Test
    void cancelWhileWaitingForRoomReleasesEverything() throws Exception {
        FifoTestSupport.assumeLinux();
        // a reader that holds the FIFO open and never reads: the pipe fills up
        try (Peer stalledReader = Peer.sh("exec 3< " + fifo + "; exec sleep 60")) {
            List<String> baseline = openPipeDescriptors();
            Disposable writing = pipe.writeLines(Flux.range(0, Integer.MAX_VALUE).map(i -> "filler " + i), WriteOptions.defaults())
                    .subscribe(v -> { }, e -> { });
            long deadline = System.nanoTime() + WAIT.toNanos();
            while (!threadsInFifoCalls().toString().contains("poll")) {
                assertThat(System.nanoTime()).as("the writer waits for room in poll").isLessThan(deadline);
                Thread.sleep(5);
            }
            writing.dispose();
            awaitReleased(baseline, RELEASE);
            assertThat(stalledReader.process.isAlive()).isTrue();
        }
    }

    @Test
    void theTutorialsPythonReaderReadsWhatWasWritten() throws Exception {
        Assumptions.assumeTrue(FifoTestSupport.commandExists("python3"), "python3 not found: skipping interop test");
        Path script = dir.resolve("reader.py");
        try (var in = getClass().getResourceAsStream("/tutorial/reader.py")) {
            Files.copy(in, script);
        }
        List<String> messages = IntStream.rangeClosed(1, 5).mapToObj(i -> "Message " + i + " from writer")
                .collect(Collectors.toList());
        try (Peer reader = Peer.start(out, "python3", script.toString(), pipe.path().toString())) {
            StepVerifier.create(pipe.writeLines(Flux.fromIterable(messages), WriteOptions.defaults())).expectComplete().verify(WAIT);
            assertThat(reader.awaitExit(WAIT)).isZero();
        }
        List<String> expected = new ArrayList<>();
        messages.forEach(m -> expected.add("Received: " + m));
        assertThat(Files.readAllLines(out)).isEqualTo(expected);
    }
}
