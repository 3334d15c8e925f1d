package dev.reactorfifo;

import static dev.reactorfifo.FifoTestSupport.shQuote;
import static dev.reactorfifo.FifoTestSupport.threadsInFifoCalls;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.reactorfifo.FifoTestSupport.Peer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.scheduler.Schedulers;
import reactor.test.StepVerifier;

/** What only {@link FifoTransport#SHARED_POLLER} promises: many waiting FIFOs, few threads. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class SharedPollerTest {

    private static final ReadOptions SHARED_READ = ReadOptions.defaults().transport(FifoTransport.SHARED_POLLER);
    private static final WriteOptions SHARED_WRITE = WriteOptions.defaults().transport(FifoTransport.SHARED_POLLER);

    @TempDir
    Path dir;

    @BeforeEach
    void quiet() throws Exception {
        FifoTestSupport.awaitNoThreadInFifoCalls(Duration.ofSeconds(2));
    }

    @Test
    void moreWaitingReadersThanBoundedElasticHasThreadsAllGetTheirLines() throws Exception {
        int pipes = 150; // boundedElastic has 10 threads per core: 20 on the 2-core CI machine
        List<NamedPipe> fifos = new ArrayList<>();
        for (int i = 0; i < pipes; i++) {
            fifos.add(NamedPipe.create(dir.resolve("fifo-" + i)));
        }
        Set<String> received = ConcurrentHashMap.newKeySet();
        CountDownLatch all = new CountDownLatch(pipes);
        List<Disposable> readers = new ArrayList<>();
        for (NamedPipe fifo : fifos) {
            readers.add(fifo.lines(SHARED_READ).subscribe(line -> {
                if (received.add(line)) {
                    all.countDown();
                }
            }));
        }
        try {
            Thread.sleep(300); // all readers wait for their writer now
            List<String> waiting = threadsInFifoCalls();
            assertThat(waiting).as("threads waiting for %d FIFOs", pipes).hasSize(1)
                    .allMatch(t -> t.startsWith("reactor-fifo-poller-"));

            String script = fifos.stream()
                    .map(f -> "printf 'hello from " + f.path().getFileName() + "\\n' > " + shQuote(f.path().toString()))
                    .collect(Collectors.joining("; "));
            try (Peer writer = Peer.sh(script)) {
                assertThat(all.await(20, TimeUnit.SECONDS)).as("every reader got its line, got %d", received.size())
                        .isTrue();
                assertThat(writer.awaitExit(Duration.ofSeconds(20))).isZero();
            }
        } finally {
            readers.forEach(Disposable::dispose);
        }
        assertThat(received).hasSize(pipes).contains("hello from fifo-0", "hello from fifo-" + (pipes - 1));
    }

    @Test
    void aSlowSubscriberOfOnePipeDoesNotDelayAnother() throws Exception {
        NamedPipe slow = NamedPipe.create(dir.resolve("slow"));
        NamedPipe fast = NamedPipe.create(dir.resolve("fast"));
        CountDownLatch slowStarted = new CountDownLatch(1);
        Disposable slowReader = slow.lines(SHARED_READ).subscribe(line -> {
            slowStarted.countDown();
            sleep(3_000); // a subscriber stuck in onNext holds its own worker, not the poller
        });
        try (Peer slowWriter = Peer.sh("printf 'a\\nb\\n' > " + shQuote(slow.path().toString()))) {
            assertThat(slowStarted.await(10, TimeUnit.SECONDS)).isTrue();
            long start = System.nanoTime();
            try (Peer fastWriter = Peer.sh("printf 'quick\\n' > " + shQuote(fast.path().toString()))) {
                StepVerifier.create(fast.lines(SHARED_READ)).expectNext("quick").expectComplete()
                        .verify(Duration.ofSeconds(2));
            }
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(2));
        } finally {
            slowReader.dispose();
        }
    }

    @Test
    void thePollerThreadStartsWithTheFirstPipeAndStopsAfterTheLast() throws Exception {
        NamedPipe pipe = NamedPipe.create(dir.resolve("fifo"));
        assertThat(pollerThreads()).isEmpty();
        Disposable reader = pipe.lines(SHARED_READ).subscribe();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (pollerThreads().isEmpty()) {
            assertThat(System.nanoTime()).isLessThan(deadline);
            Thread.sleep(5);
        }
        Thread poller = pollerThreads().get(0);
        assertThat(poller.isDaemon()).isTrue();
        reader.dispose();
        poller.join(5_000);
        assertThat(poller.isAlive()).as("stops after its last pipe").isFalse();
    }

    @Test
    void aWriterWaitingForAReaderHoldsNoThread() throws Exception {
        assertThat(samplesWithAThreadInAFifoCall(SHARED_WRITE)).as("samples with a thread held").isLessThan(10);
        // control: the dedicated transport does hold a thread while it waits, so the check can fail
        assertThat(samplesWithAThreadInAFifoCall(WriteOptions.defaults())).isGreaterThan(30);
    }

    /** Samples 40 moments while a writer waits for a reader; the open is retried every 1-10 ms. */
    private int samplesWithAThreadInAFifoCall(WriteOptions options) throws Exception {
        FifoTestSupport.awaitNoThreadInFifoCalls(Duration.ofSeconds(2));
        NamedPipe pipe = NamedPipe.create(dir.resolve("fifo-" + options.transport()));
        Path out = dir.resolve("out-" + options.transport());
        StepVerifier verifier = StepVerifier.create(pipe.writeLines(Flux.just("waited"), options))
                .expectComplete().verifyLater();
        int held = 0;
        for (int i = 0; i < 40; i++) {
            Thread.sleep(7);
            if (!threadsInFifoCalls().isEmpty()) {
                held++;
            }
        }
        try (Peer reader = Peer.start(out, "cat", pipe.path().toString())) {
            verifier.verify(Duration.ofSeconds(5));
            assertThat(reader.awaitExit(Duration.ofSeconds(5))).isZero();
        }
        assertThat(Files.readString(out)).isEqualTo("waited\n");
        return held;
    }

    @Test
    void aPipeWithALineEveryFewMillisecondsHoldsNoWorkerBetweenLines() throws Exception {
        assumeTrue(FifoTestSupport.commandExists("python3"), "python3 writes the paced lines");
        // slower than chatty (1 ms), quicker than a chatty pipe's linger (5 ms): such a pipe must
        // register with the poller between lines instead of keeping a worker in its linger
        assertThat(samplesWithAWorkerInAFifoCall(SHARED_READ)).as("samples with a worker held").isLessThan(10);
        // control: the dedicated transport waits on its worker, so the sampling does see a held worker
        assertThat(samplesWithAWorkerInAFifoCall(ReadOptions.defaults())).isGreaterThan(30);
    }

    /**
     * Samples 40 moments, 7 ms apart, while a peer writes a line every 3 ms, after a burst of
     * lines written one by one (which makes the pipe chatty first).
     */
    private int samplesWithAWorkerInAFifoCall(ReadOptions options) throws Exception {
        FifoTestSupport.awaitNoThreadInFifoCalls(Duration.ofSeconds(2));
        NamedPipe pipe = NamedPipe.create(dir.resolve("fifo-" + options.transport()));
        int burst = 5000;
        int lines = burst + 400;
        AtomicInteger received = new AtomicInteger();
        Disposable reader = pipe.lines(options).subscribe(line -> received.incrementAndGet());
        String python = "import time\nfor i in range(" + burst + "):\n    print(i, flush=True)\n"
                + "for i in range(400):\n    print(i, flush=True)\n    time.sleep(0.003)\n";
        int held = 0;
        try (Peer writer = Peer.sh("exec python3 -c " + shQuote(python) + " > "
                + shQuote(pipe.path().toString()))) {
            awaitAtLeast(received, burst + 20);
            for (int i = 0; i < 40; i++) {
                Thread.sleep(7);
                if (threadsInFifoCalls().stream().anyMatch(t -> !t.startsWith("reactor-fifo-poller-"))) {
                    held++;
                }
            }
            assertThat(writer.awaitExit(Duration.ofSeconds(20))).isZero();
            awaitAtLeast(received, lines);
        } finally {
            reader.dispose();
        }
        assertThat(received).hasValue(lines);
        return held;
    }

    @Test
    void aChattyPipeGivesItsWorkerBackWhenItFallsSilent() throws Exception {
        assumeTrue(FifoTestSupport.commandExists("python3"), "python3 writes the bursts");
        NamedPipe pipe = NamedPipe.create(dir.resolve("fifo"));
        int burst = 2000;
        int bursts = 3;
        AtomicInteger received = new AtomicInteger();
        Disposable reader = pipe.lines(SHARED_READ).subscribe(line -> received.incrementAndGet());
        // bursts of lines written one by one (every wait answered at once: chatty), each followed
        // by a silence of a writer that stays; looked at in each silence, as whether the last wait
        // of a burst was a chatty one depends on timing
        String python = "import time\nfor b in range(" + bursts + "):\n    for i in range(" + burst
                + "):\n        print(i, flush=True)\n    time.sleep(0.4 if b < " + (bursts - 1) + " else 30)\n";
        try (Peer writer = Peer.sh("exec python3 -c " + shQuote(python) + " > "
                + shQuote(pipe.path().toString()))) {
            for (int b = 1; b <= bursts; b++) {
                awaitAtLeast(received, b * burst);
                long silentSince = System.nanoTime();
                while (threadsInFifoCalls().stream().anyMatch(t -> !t.startsWith("reactor-fifo-poller-"))) {
                    // the linger is 5 ms; 50 leaves room for a loaded machine, and not for a longer linger
                    assertThat(Duration.ofNanos(System.nanoTime() - silentSince))
                            .as("a worker still waits %d ms into silence %d", (System.nanoTime() - silentSince) / 1_000_000, b)
                            .isLessThan(Duration.ofMillis(50));
                    Thread.sleep(1);
                }
                assertThat(threadsInFifoCalls()).as("threads in a FIFO call in silence %d", b)
                        .singleElement().asString().startsWith("reactor-fifo-poller-");
            }
            assertThat(writer.process.isAlive()).as("the writer still holds the pipe open").isTrue();
        } finally {
            reader.dispose();
        }
        assertThat(received).hasValue(bursts * burst);
    }

    private static void awaitAtLeast(AtomicInteger counter, int value) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (counter.get() < value) {
            assertThat(System.nanoTime()).as("%d of %d lines in time", counter.get(), value).isLessThan(deadline);
            Thread.sleep(2);
        }
    }

    @Test
    void readingAndEmittingRunOnTheOptionsScheduler() throws Exception {
        NamedPipe pipe = NamedPipe.create(dir.resolve("fifo"));
        var scheduler = Schedulers.newBoundedElastic(2, 100, "custom-reader");
        try (Peer writer = Peer.sh("printf 'x\\n' > " + shQuote(pipe.path().toString()))) {
            StepVerifier.create(pipe.lines(SHARED_READ.scheduler(scheduler)).map(l -> Thread.currentThread().getName()))
                    .assertNext(thread -> assertThat(thread).startsWith("custom-reader"))
                    .expectComplete()
                    .verify(Duration.ofSeconds(5));
        } finally {
            scheduler.dispose();
        }
    }

    private static List<Thread> pollerThreads() {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.getName().startsWith("reactor-fifo-poller-") && t.isAlive())
                .collect(Collectors.toList());
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
