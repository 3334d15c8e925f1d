package dev.reactorfifo;

import static dev.reactorfifo.FifoTestSupport.awaitReleased;
import static dev.reactorfifo.FifoTestSupport.descriptorsOn;
import static dev.reactorfifo.FifoTestSupport.waitersOn;
import static dev.reactorfifo.FifoTestSupport.openPipeDescriptors;
import static dev.reactorfifo.FifoTestSupport.shQuote;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import dev.reactorfifo.FifoTestSupport.Peer;
import java.io.BufferedReader;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.scheduler.Schedulers;
import reactor.test.StepVerifier;

/** {@link NamedPipe#lines()} against real FIFOs and real writer processes. */
class LinesTest extends FifoTestCase {

    @Test
    void deliversWhatAWriterWritesByteExact() throws Exception {
        Path data = dir.resolve("data.txt");
        Random random = new Random(7);
        StringBuilder text = new StringBuilder();
        String[] words = {"alpha", "\u00fcber", "\u20ac", "\uD83D\uDE00", "", "tab\there", "x"};
        String[] ends = {"\n", "\n", "\r\n", "\r"};
        while (text.length() < 3_000_000) {
            for (int w = random.nextInt(30); w >= 0; w--) {
                text.append(words[random.nextInt(words.length)]).append(' ');
            }
            text.append(ends[random.nextInt(ends.length)]);
        }
        text.append("no terminator at the very end");
        Files.writeString(data, text, UTF_8);
        List<String> expected = new ArrayList<>();
        try (BufferedReader r = Files.newBufferedReader(data, UTF_8)) {
            r.lines().forEach(expected::add);
        }

        try (Peer writer = Peer.sh("cat " + shQuote(data.toString()) + " > " + fifo)) {
            List<String> lines = pipe.lines(ReadOptions.defaults()).collectList().block(WAIT);
            assertThat(lines).hasSameSizeAs(expected).isEqualTo(expected);
            assertThat(writer.awaitExit(WAIT)).isZero();
        }
    }

    @Test
    void completesAtEofAfterTheUnterminatedLastLine() throws Exception {
        try (Peer writer = Peer.sh("printf 'one\\ntwo\\r\\nthree' > " + fifo)) {
            StepVerifier.create(pipe.lines(ReadOptions.defaults()))
                    .expectNext("one", "two", "three")
                    .expectComplete()
                    .verify(WAIT);
        }
    }

    @Test
    void aWriterThatWritesNothingGivesAnEmptyFlux() throws Exception {
        try (Peer writer = Peer.sh(": > " + fifo)) {
            StepVerifier.create(pipe.lines(ReadOptions.defaults())).expectComplete().verify(WAIT);
        }
    }

    @Test
    void isColdAndWaitsForAWriterWithoutBlockingTheSubscriber() throws Exception {
        FifoTestSupport.awaitNoThreadInFifoCalls(RELEASE);
        Flux<String> lines = pipe.lines(ReadOptions.defaults());
        Thread.sleep(100); // time for anything that would wrongly happen before subscription
        assertThat(descriptorsOn(pipe.path())).as("no descriptor before subscription").isZero();
        assertThat(waitersOn(pipe.path())).as("no wait before subscription").isEmpty();
        long start = System.nanoTime();
        StepVerifier first = StepVerifier.create(lines).expectNext("late").expectComplete().verifyLater();
        assertThat(Duration.ofNanos(System.nanoTime() - start)).as("subscribe returns at once")
                .isLessThan(Duration.ofMillis(500));
        awaitWaitRegistered();
        try (Peer writer = Peer.sh("printf 'late\\n' > " + fifo)) {
            first.verify(WAIT);
        }
        try (Peer writer = Peer.sh("printf 'again\\n' > " + fifo)) {
            StepVerifier.create(lines).as("each subscription reads anew")
                    .expectNext("again").expectComplete().verify(WAIT);
        }
    }

    /**
     * The next writer connects and writes the start of a line while the reader's thread is busy,
     * after the last writer died mid-line: where the dead writer's bytes end cannot be told then,
     * so its fragment may be glued to the next writer's first line (the documented window), but
     * that line is never split by an EOF reported inside it (found by the soak run).
     */
    @Test
    void aWriterThatConnectsBeforeTheReaderLooksAtTheHangUpNeverHasALineSplit() throws Exception {
        reactor.core.scheduler.Scheduler one = singleThread("one");
        List<String> received = java.util.Collections.synchronizedList(new ArrayList<>());
        Disposable reader = pipe.lines(ReadOptions.defaults().follow(true).scheduler(one)).subscribe(received::add);
        try {
            for (int round = 0; round < 5; round++) {
                awaitWaitRegistered();
                java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
                one.schedule(() -> { // the reader's only thread is busy while the writers come and go
                    try {
                        release.await(WAIT.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                });
                int before = received.size();
                try (Peer dead = Peer.sh("printf 'A" + round + "-frag' > " + fifo)) {
                    assertThat(dead.awaitExit(WAIT)).isZero();
                }
                Path started = dir.resolve("started-" + round);
                Path go = dir.resolve("go-" + round);
                try (Peer next = Peer.sh("exec 3> " + fifo + "; printf 'B" + round + "-head' >&3; : > "
                        + shQuote(started.toString()) + "; while [ ! -e " + shQuote(go.toString())
                        + " ]; do sleep 0.01; done; printf -- '-tail\\n' >&3")) {
                    awaitCondition(() -> Files.exists(started), "the next writer wrote its line's start");
                    release.countDown();
                    awaitCondition(() -> received.size() > before || !waitersOn(pipe.path()).isEmpty(), "the reader ran");
                    Files.createFile(go);
                    assertThat(next.awaitExit(WAIT)).isZero();
                }
                awaitCondition(() -> String.join("|", since(received, before)).contains("tail"), "the next writer's line");
                List<String> got = since(received, before);
                assertThat(got).as("round %d", round).isIn(
                        List.of("A" + round + "-fragB" + round + "-head-tail"),
                        List.of("A" + round + "-frag", "B" + round + "-head-tail"));
            }
        } finally {
            reader.dispose();
            awaitCondition(() -> waitersOn(pipe.path()).isEmpty() && descriptorsOn(pipe.path()) == 0, "the reader let go");
            one.dispose();
        }
    }

    /** @return a copy of what a synchronized list received from index {@code from} on */
    private static List<String> since(List<String> received, int from) {
        synchronized (received) {
            return new ArrayList<>(received.subList(from, received.size()));
        }
    }

    /**
     * Successive writers, each one's unterminated fragment a line of its own. Each writer starts
     * once the reader has emitted the previous one's last line, i.e. has seen its EOF: a pipe
     * carries no in-band EOF, so a writer that connects and writes before the reader looked would
     * be one byte stream with the last (the reader now narrows that window to the poller's look at
     * the hang-up, where it counts what is left to read; it cannot close it).
     */
    @Test
    void followModeDeliversSuccessiveWritersWithoutGluingFragments() throws Exception {
        List<String> received = java.util.Collections.synchronizedList(new ArrayList<>());
        java.util.concurrent.atomic.AtomicReference<String> ended = new java.util.concurrent.atomic.AtomicReference<>();
        Disposable reader = pipe.lines(ReadOptions.defaults().follow(true)).subscribe(received::add,
                error -> ended.set("error " + error), () -> ended.set("completed"));
        try {
            String[][] writers = {{"printf 'first a\\nfirst b' > ", "2"}, {"printf 'second\\n' > ", "3"},
                    {"printf '\\nthird\\n' > ", "5"}};
            for (String[] w : writers) {
                try (Peer writer = Peer.sh(w[0] + fifo)) {
                    assertThat(writer.awaitExit(WAIT)).isZero();
                }
                int lines = Integer.parseInt(w[1]);
                awaitCondition(() -> received.size() >= lines, lines + " lines, got " + received);
            }
            assertThat(received).containsExactly("first a", "first b", "second", "", "third");
            assertThat(ended.get()).as("follows: no completion at a writer's EOF").isNull();
        } finally {
            reader.dispose();
        }
    }

    @Test
    void followModeLosesNoWriterThatComesAndGoesWhileItReopens() throws Exception {
        int writers = 40;
        List<String> expected = new ArrayList<>();
        for (int i = 1; i <= writers; i++) {
            expected.add("writer " + i);
        }
        StepVerifier verifier = StepVerifier.create(pipe.lines(ReadOptions.defaults().follow(true)))
                .expectNextSequence(expected).thenCancel().verifyLater();
        // back-to-back writers: each EOF races with the next writer's open
        try (Peer burst = Peer.sh("for i in $(seq 1 " + writers + "); do printf \"writer $i\\n\" > " + fifo
                + "; done")) {
            verifier.verify(WAIT);
            assertThat(burst.awaitExit(WAIT)).isZero();
        }
    }

    @Test
    void followModeFailsWhenThePathIsGoneAtReopen() throws Exception {
        try (Peer writer = Peer.sh("exec 3> " + fifo + "; printf 'only\\n' >&3; rm " + fifo + "; exec 3>&-")) {
            StepVerifier.create(pipe.lines(ReadOptions.defaults().follow(true)))
                    .expectNext("only")
                    .expectErrorSatisfies(e -> assertThat(e).isInstanceOf(NoSuchFileException.class)
                            .hasMessageContaining(pipe.path().toString()))
                    .verify(WAIT);
        }
    }

    @Test
    void withoutDemandItStopsReadingAndTheWriterBlocksOnTheFullPipe() throws Exception {
        Path data = dir.resolve("big.txt");
        String line = "x".repeat(99) + "\n";
        Files.writeString(data, line.repeat(200_000)); // 20 MB: would take a free-running reader ~20 ms
        try (Peer writer = Peer.sh("exec cat " + shQuote(data.toString()) + " > " + fifo)) {
            StepVerifier.create(pipe.lines(ReadOptions.defaults()), 10)
                    .expectNextCount(10)
                    .then(() -> sleep(700))
                    .then(() -> {
                        assertThat(writer.process.isAlive()).as("the writer is blocked by backpressure").isTrue();
                        long written = bytesWrittenBy(writer.process.pid());
                        // pipe capacity (64 KiB) + one read buffer (64 KiB) + what cat has in flight
                        assertThat(written).as("bytes the writer got rid of").isLessThan(512 * 1024);
                    })
                    .thenRequest(1000)
                    .expectNextCount(1000)
                    .thenCancel()
                    .verify(WAIT);
        }
    }

    static long bytesWrittenBy(long pid) {
        try {
            for (String l : Files.readAllLines(Path.of("/proc/" + pid + "/io"))) {
                if (l.startsWith("wchar:")) {
                    return Long.parseLong(l.substring(6).trim());
                }
            }
        } catch (java.io.IOException e) {
            org.junit.jupiter.api.Assumptions.abort("no /proc/<pid>/io here: " + e);
        }
        throw new AssertionError("no wchar in /proc/" + pid + "/io");
    }

    @Test
    void failsALineLongerThanTheLimitNamingIt() throws Exception {
        try (Peer writer = Peer.sh("printf 'short\\nthis one is too long\\n' > " + fifo)) {
            StepVerifier.create(pipe.lines(ReadOptions.defaults().maxLineLength(10)))
                    .expectNext("short")
                    .expectErrorSatisfies(e -> assertThat(e).isInstanceOf(LineTooLongException.class)
                            .hasMessageContaining(pipe.path() + ": line 2 is longer than maxLineLength (10 bytes)"))
                    .verify(WAIT);
        }
    }

    @Test
    void reportsMalformedInputWithPathAndLine() throws Exception {
        try (Peer writer = Peer.sh("printf 'fine\\nbad \\377\\n' > " + fifo)) {
            StepVerifier.create(pipe.lines(ReadOptions.defaults()
                            .malformedInput(java.nio.charset.CodingErrorAction.REPORT)))
                    .expectNext("fine")
                    .expectErrorSatisfies(e -> assertThat(e).isInstanceOf(MalformedLineException.class)
                            .hasMessageContaining(pipe.path() + ": line 2 is not valid UTF-8"))
                    .verify(WAIT);
        }
    }

    @Test
    void completesWhenTheWriterIsAlreadyGoneAsDemandRunsOut() throws Exception {
        try (Peer writer = Peer.sh("printf 'a\\nb\\n' > " + fifo)) {
            // exactly the two lines are requested, the second after the writer left: the EOF
            // must still complete the Flux without a further request
            StepVerifier.create(pipe.lines(ReadOptions.defaults()), 1)
                    .expectNext("a")
                    .then(() -> assertThat(awaitExitQuietly(writer)).isZero())
                    .thenRequest(1)
                    .expectNext("b")
                    .expectComplete()
                    .verify(WAIT);
        }
    }

    @Test
    void followModeSurvivesThousandsOfWritersRacingAnAsynchronousConsumer() throws Exception {
        // writers come and go while a consumer requests in small steps from another thread, so
        // the descriptor that saw EOF is replaced while the shared poller may still poll it
        java.util.concurrent.atomic.AtomicLong received = new java.util.concurrent.atomic.AtomicLong();
        java.util.concurrent.atomic.AtomicReference<Throwable> failure = new java.util.concurrent.atomic.AtomicReference<>();
        Disposable reader = pipe.lines(ReadOptions.defaults().follow(true))
                .publishOn(Schedulers.parallel(), 2)
                .subscribe(line -> received.incrementAndGet(), failure::set);
        try {
            java.util.concurrent.atomic.AtomicInteger opened = new java.util.concurrent.atomic.AtomicInteger();
            int writers;
            try {
                // plain blocking writers, each open returning once the reader's descriptor is there
                // (always, while the subscription follows): bounded, so that a reader that failed
                // or stopped reading fails the test instead of leaving a thread in open or write
                writers = FifoTestSupport.writeBlocking(pipe.path(), Duration.ofSeconds(3).plus(WAIT), () -> {
                    int n = 0;
                    long end = System.nanoTime() + Duration.ofSeconds(3).toNanos();
                    while (System.nanoTime() < end && failure.get() == null) {
                        try (java.io.FileOutputStream out = new java.io.FileOutputStream(pipe.path().toFile())) {
                            opened.incrementAndGet();
                            out.write(("w" + n + " a\n").getBytes(UTF_8));
                            for (int spin = 0; spin < 2000; spin++) {
                                Thread.onSpinWait();
                            }
                            out.write(("w" + n + " b\n").getBytes(UTF_8));
                        }
                        n++;
                    }
                    return n;
                });
            } catch (AssertionError stuck) {
                throw new AssertionError("after " + opened.get() + " writers and " + received.get()
                        + " lines, the reader failed with " + failure.get() + " or stopped reading", stuck);
            }
            long expected = 2L * writers;
            long deadline = System.nanoTime() + WAIT.toNanos();
            while (received.get() < expected && failure.get() == null && System.nanoTime() < deadline) {
                Thread.sleep(5);
            }
            assertThat(failure.get()).as("after %d writers", writers).isNull();
            assertThat(received.get()).isEqualTo(expected);
        } finally {
            reader.dispose();
        }
    }

    /**
     * A cancel that finds the drain task queued behind a busy worker takes the task back and
     * closes the descriptor itself, at once. Without that path the descriptor stays open until the
     * worker is free, the writer below finds a reader, and the test fails.
     */
    @Test
    void cancellingASubscriptionWhoseTaskIsQueuedClosesItsDescriptorAtOnce() throws Exception {
        reactor.core.scheduler.Scheduler one = singleThread("one-thread");
        java.util.concurrent.CountDownLatch busy = new java.util.concurrent.CountDownLatch(1);
        java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
        try {
            java.util.concurrent.atomic.AtomicReference<org.reactivestreams.Subscription> queued =
                    new java.util.concurrent.atomic.AtomicReference<>();
            pipe.lines(ReadOptions.defaults().scheduler(one)).subscribe(new reactor.core.publisher.BaseSubscriber<String>() {
                @Override
                protected void hookOnSubscribe(org.reactivestreams.Subscription subscription) {
                    queued.set(subscription); // opens at once, requests nothing yet
                }
            });
            awaitCondition(() -> FifoTestSupport.descriptorsOn(pipe.path()) == 1, "the reader's descriptor is open");
            one.schedule(() -> { // the only worker is busy until released
                busy.countDown();
                try {
                    release.await(WAIT.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });
            assertThat(busy.await(WAIT.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS)).isTrue();
            queued.get().request(1); // its drain task is queued behind the busy one
            queued.get().cancel();
            assertThat(FifoTestSupport.descriptorsOn(pipe.path())).as("closed by the cancelling thread").isZero();
            StepVerifier.create(pipe.writeLines(Flux.just("x"), WriteOptions.defaults().awaitReader(false)))
                    .expectError(NoReaderException.class)
                    .verify(WAIT);
        } finally {
            release.countDown();
            awaitCondition(() -> waitersOn(pipe.path()).isEmpty(), "no wait left");
            one.dispose();
        }
    }

    /**
     * A scheduler of one thread that a test can dispose while the poller thread may still be in
     * its {@code schedule()}: such a dispatch can outlast the cancel that took its task back.
     * Not a one-thread {@code boundedElastic}: in Reactor 3.8 its {@code schedule()} can spin
     * forever when {@code dispose()} races it at its thread limit, and on the poller thread that
     * stalls every later test's reads (the follow-mode race test then blocked in write(2) on a full
     * pipe, and CI hung). A disposed executor refuses the task with a
     * {@code RejectedExecutionException} instead.
     */
    private static reactor.core.scheduler.Scheduler singleThread(String name) {
        return Schedulers.fromExecutorService(java.util.concurrent.Executors.newSingleThreadExecutor(task -> {
            Thread t = new Thread(task, name);
            t.setDaemon(true);
            return t;
        }), name);
    }

    /** Waits for {@code condition}, failing with {@code what} after {@link #WAIT}. */
    static void awaitConditionUnchecked(java.util.concurrent.Callable<Boolean> condition, String what) {
        try {
            awaitCondition(condition, what);
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    static void awaitCondition(java.util.concurrent.Callable<Boolean> condition, String what) throws Exception {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (!condition.call()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting until " + what);
            }
            Thread.sleep(1);
        }
    }

    @Test
    void aBadPathIsReportedBeforeAnyRequest() {
        StepVerifier.create(NamedPipe.of(dir.resolve("missing")).lines(ReadOptions.defaults()), 0)
                .expectError(NoSuchFileException.class)
                .verify(WAIT);
    }

    @Test
    void aMissingPathIsNoSuchFile() {
        StepVerifier.create(NamedPipe.of(dir.resolve("missing")).lines(ReadOptions.defaults()))
                .expectErrorSatisfies(e -> assertThat(e).isInstanceOf(NoSuchFileException.class)
                        .hasMessageContaining("missing"))
                .verify(WAIT);
    }

    @Test
    void aRegularFileOrDirectoryIsNotAFifo() throws Exception {
        Path file = Files.writeString(dir.resolve("regular"), "text\n");
        StepVerifier.create(NamedPipe.of(file).lines(ReadOptions.defaults()))
                .expectErrorSatisfies(e -> assertThat(e).isInstanceOf(NotAFifoException.class)
                        .hasMessage(file + ": is a regular file, not a FIFO"))
                .verify(WAIT);
        StepVerifier.create(NamedPipe.of(dir).lines(ReadOptions.defaults()))
                .expectErrorSatisfies(e -> assertThat(e).isInstanceOf(NotAFifoException.class)
                        .hasMessage(dir + ": is a directory, not a FIFO"))
                .verify(WAIT);
    }

    @Test
    void cancelWhileWaitingForAWriterReleasesEverythingAndLeavesOthersUntouched() throws Exception {
        FifoTestSupport.assumeLinux();
        Path outsideOut = dir.resolve("outside.txt");
        try (Peer outsideReader = Peer.start(outsideOut, "cat", pipe.path().toString())) {
            List<String> baseline = openPipeDescriptors();
            Disposable subscription = pipe.lines(ReadOptions.defaults()).subscribe();
            awaitWaitRegistered();
            subscription.dispose();
            awaitReleased(baseline, RELEASE);

            // the unrelated cat, blocked in open() all along, got no false EOF and still gets its data
            assertThat(outsideReader.process.isAlive()).isTrue();
            try (Peer writer = Peer.sh("printf 'for the outside reader\\n' > " + fifo)) {
                assertThat(outsideReader.awaitExit(WAIT)).isZero();
            }
            assertThat(Files.readString(outsideOut)).isEqualTo("for the outside reader\n");
        }
        assertAFreshSubscriptionDelivers();
    }

    @Test
    void cancelWhileWaitingForDataReleasesEverything() throws Exception {
        FifoTestSupport.assumeLinux();
        try (Peer writer = Peer.sh("exec 3> " + fifo + "; printf 'first\\n' >&3; exec sleep 60")) {
            List<String> baseline = openPipeDescriptors();
            StepVerifier.create(pipe.lines(ReadOptions.defaults()))
                    .expectNext("first")
                    .then(this::awaitWaitRegistered)
                    .thenCancel()
                    .verify(WAIT);
            awaitReleased(baseline, RELEASE);
            assertThat(writer.process.isAlive()).as("the silent writer is untouched").isTrue();
        }
        assertAFreshSubscriptionDelivers();
    }

    @Test
    void cancelMidStreamReleasesEverything() throws Exception {
        FifoTestSupport.assumeLinux();
        try (Peer writer = Peer.sh("yes 'a line of text' | head -n 2000000 > " + fifo)) {
            List<String> baseline = openPipeDescriptors();
            StepVerifier.create(pipe.lines(ReadOptions.defaults()))
                    .expectNextCount(50_000)
                    .thenCancel()
                    .verify(WAIT);
            awaitReleased(baseline, RELEASE);
        }
        assertAFreshSubscriptionDelivers();
    }

    private static int awaitExitQuietly(Peer peer) {
        try {
            return peer.awaitExit(WAIT);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    /** Waits until the subscription's wait for a writer is registered with the poller. */
    private void awaitWaitRegistered() {
        awaitConditionUnchecked(() -> !waitersOn(pipe.path()).isEmpty(), "a wait registered for " + pipe.path());
    }

    private void assertAFreshSubscriptionDelivers() throws Exception {
        try (Peer writer = Peer.sh("printf 'still works\\n' > " + fifo)) {
            StepVerifier.create(pipe.lines(ReadOptions.defaults())).expectNext("still works").expectComplete().verify(WAIT);
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }
}
