package dev.reactorfifo;

import static dev.reactorfifo.FifoTestSupport.assertBoundedElasticHasNoBusyWorker;
import static dev.reactorfifo.FifoTestSupport.assumeLinux;
import static dev.reactorfifo.FifoTestSupport.awaitReleased;
import static dev.reactorfifo.FifoTestSupport.killTree;
import static dev.reactorfifo.FifoTestSupport.openPipeDescriptors;
import static dev.reactorfifo.FifoTestSupport.shQuote;
import static dev.reactorfifo.FifoTestSupport.threadsInFifoCalls;
import static org.assertj.core.api.Assertions.assertThat;

import dev.reactorfifo.FifoTestSupport.Peer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.reactivestreams.Subscription;
import reactor.core.Disposable;
import reactor.core.publisher.BaseSubscriber;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Sinks;
import reactor.test.StepVerifier;

/**
 * Issue 6, leaks: thousands of subscribe/cancel cycles of {@code lines()} and {@code writeLines},
 * cancelled at random moments (seeded), against real peer processes, on the readiness transport
 * (a dedicated thread, or the shared poller). Afterwards: the same pipe
 * descriptors as before, no thread in a FIFO call, every boundedElastic worker free (counting
 * alone can pass vacuously: a stuck worker hides later leaks behind it), and a fresh subscription
 * still delivers.
 *
 * <p>{@code -Dreactorfifo.leakCycles=N} sets the cycles of each kind: 500 by default, 10,000 with
 * {@code -Plong-leak}.
 */
@Timeout(value = 30, unit = TimeUnit.MINUTES)
class LeakTest {

    private static final int CYCLES = Integer.getInteger("reactorfifo.leakCycles", 500);
    private static final Duration WAIT = Duration.ofSeconds(10);

    enum ReadCase {
        /** no writer has the FIFO open: waiting in poll for the first one (the non-blocking "open") */
        WAITING_FOR_WRITER,
        /** a writer holds the FIFO open and says nothing: waiting in poll for data */
        WAITING_FOR_DATA,
        /** data flowing: cancelled from onNext on the reading thread (take) or from another thread */
        MID_BATCH,
        /** the requested lines arrived, no task runs: cancelled while idle */
        BETWEEN_BATCHES
    }

    enum WriteCase {
        /** nobody reads: retrying the open with backoff */
        WAITING_FOR_READER,
        /** the reader never reads and the pipe is full: waiting in poll for room */
        WAITING_FOR_ROOM,
        /** lines flowing to a reader that drains them, fused and non-fused upstreams */
        MID_BATCH,
        /** an asynchronous upstream went quiet after a few lines: the writer is idle */
        BETWEEN_BATCHES,
        /** the same through a FifoSink, disposed */
        SINK
    }

    @TempDir
    Path dir;

    private final Random random = new Random(42);
    private final List<Throwable> errors = Collections.synchronizedList(new ArrayList<>());

    @BeforeEach
    void linux() {
        assumeLinux();
    }

    @Test
    void linesSubscribeCancelCycles() throws Exception {
        Path idle = NamedPipe.create(dir.resolve("idle")).path();
        Path silent = NamedPipe.create(dir.resolve("silent")).path();
        Path busy = NamedPipe.create(dir.resolve("busy")).path();
        Map<ReadCase, Integer> counts = new EnumMap<>(ReadCase.class);
        Map<String, Long> millis = new java.util.TreeMap<>();
        int earlyEofs = 0;
        try (Peer silentWriter = Peer.sh("exec 3<>" + q(silent) + "; exec sleep 100000");
             // a new writer whenever the previous one died of SIGPIPE at a reader's cancel
             Peer busyWriter = Peer.sh("while :; do yes 'the quick brown fox jumps over the lazy dog' 2>/dev/null > "
                     + q(busy) + "; done")) {
            try {
                List<String> baseline = openPipeDescriptors();
                long started = System.nanoTime();
                for (int i = 0; i < CYCLES; i++) {
                    ReadCase c = ReadCase.values()[random.nextInt(ReadCase.values().length)];
                    counts.merge(c, 1, Integer::sum);
                    ReadOptions read = ReadOptions.defaults();
                    long cycleStarted = System.nanoTime();
                    switch (c) {
                        case WAITING_FOR_WRITER:
                            cancelAfterRandomDelay(NamedPipe.of(idle).lines(read).subscribe(l -> { }, errors::add));
                            break;
                        case WAITING_FOR_DATA:
                            cancelAfterRandomDelay(NamedPipe.of(silent).lines(read).subscribe(l -> { }, errors::add));
                            break;
                        case MID_BATCH:
                            if (random.nextBoolean()) {
                                // take() cancels from inside onNext, on the reading thread, in the middle of a chunk
                                CountDownLatch done = new CountDownLatch(1);
                                NamedPipe.of(busy).lines(read).take(1 + random.nextInt(2000))
                                        .subscribe(l -> { }, e -> { errors.add(e); done.countDown(); }, done::countDown);
                                assertThat(done.await(WAIT.toMillis(), TimeUnit.MILLISECONDS)).as("take completes").isTrue();
                            } else {
                                cancelAfterRandomDelay(NamedPipe.of(busy).lines(read).subscribe(l -> { }, errors::add));
                            }
                            break;
                        case BETWEEN_BATCHES: {
                            Requesting subscriber = new Requesting(1 + random.nextInt(50));
                            NamedPipe.of(busy).lines(read).subscribe(subscriber);
                            if (!subscriber.await()) {
                                throw new AssertionError("cycle " + i + ": " + subscriber.received.getCount() + " of "
                                        + subscriber.n + " requested lines never arrived; " + diagnostics(busyWriter));
                            }
                            if (subscriber.completed) {
                                // it connected just as a writer died of SIGPIPE: that writer's EOF ended it (a FIFO's
                                // semantics, see below); no cancel left to test in this cycle
                                earlyEofs++;
                                break;
                            }
                            LockSupport.parkNanos(random.nextInt(200_000)); // the drain task ends
                            subscriber.dispose();
                            break;
                        }
                        default:
                            throw new AssertionError(c);
                    }
                    millis.merge(c.toString(), System.nanoTime() - cycleStarted, Long::sum);
                }
                long cyclesMillis = millisSince(started);
                List<String> after = assertReleased(baseline);
                System.out.printf("LeakTest lines(): %d cycles %s in %d ms (%d between-batches cycles met a dying"
                        + " writer's EOF first); pipe descriptors before %d, after %d; threads in FIFO calls after: %s%n",
                        CYCLES, counts, cyclesMillis, earlyEofs, baseline.size(), after.size(), threadsInFifoCalls());
                millis.replaceAll((k, nanos) -> TimeUnit.NANOSECONDS.toMillis(nanos));
                System.out.println("LeakTest lines(): total ms per case " + millis);
            } finally {
                killTree(busyWriter);
                killTree(silentWriter);
            }
        }
        assertThat(errors).isEmpty();
        assertFreshSubscriptionsDeliver();
    }

    @Test
    void writeLinesSubscribeCancelCycles() throws Exception {
        Path noReader = NamedPipe.create(dir.resolve("no-reader")).path();
        Path stuck = NamedPipe.create(dir.resolve("stuck")).path();
        Path drained = NamedPipe.create(dir.resolve("drained")).path();
        Map<WriteCase, Integer> counts = new EnumMap<>(WriteCase.class);
        AtomicLong generated = new AtomicLong();
        try (Peer stuckReader = Peer.sh("exec 3<>" + q(stuck) + "; exec sleep 100000");
             // reads through O_RDWR: one reader for the whole run, never at EOF
             Peer drainingReader = Peer.sh("exec cat <> " + q(drained))) {
            try {
                List<String> baseline = openPipeDescriptors();
                long started = System.nanoTime();
                for (int i = 0; i < CYCLES; i++) {
                    WriteCase c = WriteCase.values()[random.nextInt(WriteCase.values().length)];
                    counts.merge(c, 1, Integer::sum);
                    WriteOptions write = WriteOptions.defaults();
                    switch (c) {
                        case WAITING_FOR_READER:
                            cancelAfterRandomDelay(NamedPipe.of(noReader).writeLines(Flux.just("x"), write)
                                    .subscribe(v -> { }, errors::add));
                            break;
                        case WAITING_FOR_ROOM:
                            cancelAfterRandomDelay(NamedPipe.of(stuck).writeLines(Flux.range(0, 100_000).map(n -> "line " + n), write)
                                    .subscribe(v -> { }, errors::add));
                            break;
                        case MID_BATCH:
                            Flux<String> lines = random.nextBoolean()
                                    ? Flux.range(0, Integer.MAX_VALUE).map(n -> "fused line " + n)
                                    : Flux.<String>generate(s -> s.next("generated line " + generated.incrementAndGet()));
                            WriteOptions options = write.atomicWrites(random.nextBoolean());
                            cancelAfterRandomDelay(NamedPipe.of(drained).writeLines(lines, options)
                                    .subscribe(v -> { }, errors::add));
                            break;
                        case BETWEEN_BATCHES:
                            Sinks.Many<String> upstream = Sinks.many().unicast().onBackpressureBuffer();
                            Disposable writer = NamedPipe.of(drained).writeLines(upstream.asFlux(), write)
                                    .subscribe(v -> { }, errors::add);
                            for (int k = random.nextInt(20); k >= 0; k--) {
                                upstream.tryEmitNext("line " + k);
                            }
                            cancelAfterRandomDelay(writer);
                            break;
                        case SINK:
                            FifoSink sink = NamedPipe.of(drained).sink(write);
                            for (int k = random.nextInt(20); k >= 0; k--) {
                                sink.tryEmitNext("line " + k);
                            }
                            cancelAfterRandomDelay(sink);
                            break;
                        default:
                            throw new AssertionError(c);
                    }
                }
                long cyclesMillis = millisSince(started);
                List<String> after = assertReleased(baseline);
                System.out.printf("LeakTest writeLines(): %d cycles %s in %d ms; pipe descriptors before %d, after %d;"
                        + " threads in FIFO calls after: %s%n", CYCLES, counts, cyclesMillis, baseline.size(),
                        after.size(), threadsInFifoCalls());
            } finally {
                killTree(drainingReader);
                killTree(stuckReader);
            }
        }
        assertThat(errors).isEmpty();
        assertFreshSubscriptionsDeliver();
    }

    // ================================================================ helpers

    /** Cancels at once, within half a millisecond, or within 3 ms: before, during or after the open. */
    private void cancelAfterRandomDelay(Disposable subscription) {
        switch (random.nextInt(3)) {
            case 0:
                break;
            case 1:
                LockSupport.parkNanos(random.nextInt(500_000));
                break;
            default:
                LockSupport.parkNanos(random.nextInt(3_000_000));
                break;
        }
        subscription.dispose();
    }

    /** Descriptors back to the baseline, no thread in a FIFO call, and every boundedElastic worker free. */
    private static List<String> assertReleased(List<String> baseline) throws Exception {
        awaitReleased(baseline, WAIT); // waits until the poller thread ended too
        List<String> after = openPipeDescriptors();
        // nothing beyond the baseline; the poll(2) poller's wake-up pipe, if its thread ran at the
        // baseline, is closed with that thread
        assertThat(baseline).containsAll(after);
        assertBoundedElasticHasNoBusyWorker(WAIT);
        return after;
    }

    /** A fresh lines() and a fresh writeLines() still deliver, each through a real peer process. */
    private void assertFreshSubscriptionsDeliver() throws Exception {
        Path fifo = NamedPipe.create(dir.resolve("fresh")).path();
        try (Peer writer = Peer.sh("printf 'fresh\\n' > " + q(fifo))) {
            StepVerifier.create(NamedPipe.of(fifo).lines()).expectNext("fresh").expectComplete().verify(WAIT);
            assertThat(writer.awaitExit(WAIT)).isZero();
        }
        Path received = dir.resolve("received");
        try (Peer reader = Peer.start(received, "cat", fifo.toString())) {
            NamedPipe.of(fifo).writeLines(Flux.just("fresh too")).block(WAIT);
            assertThat(reader.awaitExit(WAIT)).isZero();
        }
        assertThat(Files.readAllLines(received)).containsExactly("fresh too");
    }

    private static String diagnostics(Peer peer) throws Exception {
        StringBuilder s = new StringBuilder("threads in FIFO calls: ").append(threadsInFifoCalls())
                .append("; pipe descriptors: ").append(openPipeDescriptors()).append("; peer processes:");
        peer.process.descendants().forEach(h -> s.append(' ').append(h.pid()).append(' ')
                .append(h.info().commandLine().orElse("?")));
        for (Map.Entry<Thread, StackTraceElement[]> e : Thread.getAllStackTraces().entrySet()) {
            if (e.getKey().getName().startsWith("boundedElastic")) {
                s.append("\n").append(e.getKey().getName()).append(' ').append(e.getKey().getState());
                for (int i = 0; i < Math.min(8, e.getValue().length); i++) {
                    s.append("\n    at ").append(e.getValue()[i]);
                }
            }
        }
        return s.toString();
    }

    private static String q(Path path) {
        return shQuote(path.toString());
    }

    private static long millisSince(long nanos) {
        return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - nanos);
    }

    /**
     * Requests {@code n} lines once and signals when they arrived, or when the Flux completed first.
     * A reader that opens while the previous writer is dying of SIGPIPE counts that writer as
     * connected (the kernel suppresses POLLHUP only for a reader that opened with no writer), so it
     * sees the writer's EOF and completes: a real FIFO outcome, not a leak.
     */
    private final class Requesting extends BaseSubscriber<String> {
        final CountDownLatch received;
        final CountDownLatch terminated = new CountDownLatch(1);
        final int n;
        volatile boolean completed;

        Requesting(int n) {
            this.n = n;
            this.received = new CountDownLatch(n);
        }

        /** @return false on timeout */
        boolean await() throws InterruptedException {
            long deadline = System.nanoTime() + WAIT.toNanos();
            while (received.getCount() > 0 && terminated.getCount() > 0) {
                if (System.nanoTime() > deadline) {
                    return false;
                }
                received.await(1, TimeUnit.MILLISECONDS);
            }
            return true;
        }

        @Override
        protected void hookOnSubscribe(Subscription subscription) {
            subscription.request(n);
        }

        @Override
        protected void hookOnNext(String value) {
            received.countDown();
        }

        @Override
        protected void hookOnComplete() {
            completed = received.getCount() > 0;
            terminated.countDown();
        }

        @Override
        protected void hookOnError(Throwable throwable) {
            errors.add(throwable);
            terminated.countDown();
        }
    }
}
