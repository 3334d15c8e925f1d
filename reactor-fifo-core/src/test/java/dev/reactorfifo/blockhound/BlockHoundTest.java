package dev.reactorfifo.blockhound;

import static dev.reactorfifo.FifoTestSupport.assumeLinux;
import static dev.reactorfifo.FifoTestSupport.awaitReleased;
import static dev.reactorfifo.FifoTestSupport.descriptorsOn;
import static dev.reactorfifo.FifoTestSupport.openPipeDescriptors;
import static dev.reactorfifo.FifoTestSupport.shQuote;
import static org.assertj.core.api.Assertions.assertThat;

import dev.reactorfifo.FifoSink;
import dev.reactorfifo.FifoTestSupport.Peer;
import dev.reactorfifo.NamedPipe;
import dev.reactorfifo.ReadOptions;
import dev.reactorfifo.WriteOptions;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import reactor.blockhound.BlockHound;
import reactor.blockhound.BlockingOperationError;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;
import reactor.core.scheduler.Schedulers;
import reactor.test.StepVerifier;

/**
 * Issue 6, blocking discipline under BlockHound: driving {@code lines()}, {@code writeLines()} and
 * a {@code FifoSink} from {@code Schedulers.parallel()} threads (subscribe, request, emit, cancel)
 * makes no blocking JDK call there, and neither does reading and writing with {@code scheduler(parallel())}, where
 * the library's own work runs on those threads. BlockHound cannot see jnr's native calls; none of them blocks (every
 * descriptor is non-blocking and every wait is the poller thread's), which {@code SchedulersTest} checks with real
 * peers on {@code parallel()} and {@code single()}.
 *
 * <p>Runs only in the {@code blockhound} Surefire execution: {@code BlockHound.install()} changes
 * the whole JVM and needs {@code -XX:+AllowRedefinitionToAddDeleteMethods}. Every blocking call
 * BlockHound sees is recorded as well as thrown, so a call whose error the library swallowed still
 * fails the test.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class BlockHoundTest {

    private static final Duration WAIT = Duration.ofSeconds(20);
    private static final List<String> BLOCKING_CALLS = Collections.synchronizedList(new ArrayList<>());

    @TempDir
    Path dir;

    private List<String> baseline;

    @BeforeAll
    static void installBlockHound() {
        Assumptions.assumeTrue(ManagementFactory.getRuntimeMXBean().getInputArguments()
                        .contains("-XX:+AllowRedefinitionToAddDeleteMethods"),
                "BlockHound tests run in the 'blockhound' Surefire execution, in a JVM of their own");
        BlockHound.install(builder -> builder.blockingMethodCallback(method -> {
            BLOCKING_CALLS.add(Thread.currentThread().getName() + ": " + method);
            throw new BlockingOperationError(method);
        }));
    }

    @BeforeEach
    void baseline() throws Exception {
        assumeLinux();
        baseline = openPipeDescriptors();
        BLOCKING_CALLS.clear();
    }

    @AfterEach
    void noBlockingCallAndNothingLeftBehind() throws Exception {
        awaitReleased(baseline, Duration.ofSeconds(2));
    }

    @Test
    void canaryBlockHoundIsActive() {
        StepVerifier.create(Mono.fromCallable(() -> {
                    Thread.sleep(1);
                    return 1;
                }).subscribeOn(Schedulers.parallel()))
                .expectErrorSatisfies(e -> assertThat(e).isInstanceOf(BlockingOperationError.class))
                .verify(WAIT);
        assertThat(BLOCKING_CALLS).singleElement().asString().startsWith("parallel-").contains("sleep");
    }

    @Test
    void linesDrivenFromParallelThreadsMakesNoBlockingCall() throws Exception {
        Path fifo = NamedPipe.create(dir.resolve("fifo")).path();
        try (Peer writer = Peer.sh("seq 1 100000 > " + shQuote(fifo.toString()))) {
            // subscribe on parallel; requests (publishOn's prefetch) and the cancel of take() come from parallel too
            List<String> lines = NamedPipe.of(fifo).lines(ReadOptions.defaults())
                    .subscribeOn(Schedulers.parallel())
                    .publishOn(Schedulers.parallel(), 64)
                    .take(60_000)
                    .collectList()
                    .block(WAIT);
            assertThat(lines).isEqualTo(numbers(1, 60_000));
            writer.awaitExit(WAIT); // SIGPIPE at the cancel, or all written
        }
        assertThat(BLOCKING_CALLS).isEmpty();
    }

    @Test
    void cancellingAWaitFromAParallelThreadMakesNoBlockingCall() throws Exception {
        Path fifo = NamedPipe.create(dir.resolve("fifo")).path();
        Disposable reader = NamedPipe.of(fifo).lines(ReadOptions.defaults())
                .subscribeOn(Schedulers.parallel()).subscribe();
        waitUntil(() -> descriptorsOn(fifo) == 1);
        Schedulers.parallel().schedule(reader::dispose);
        awaitReleased(baseline, Duration.ofSeconds(2));
        Disposable writer = NamedPipe.of(fifo).writeLines(Flux.just("x"), WriteOptions.defaults())
                .subscribeOn(Schedulers.parallel()).subscribe();
        Thread.sleep(50); // waiting for a reader
        Schedulers.parallel().schedule(writer::dispose);
        awaitReleased(baseline, Duration.ofSeconds(2));
        assertThat(BLOCKING_CALLS).isEmpty();
    }

    @Test
    void writeLinesDrivenFromParallelThreadsMakesNoBlockingCall() throws Exception {
        Path fifo = NamedPipe.create(dir.resolve("fifo")).path();
        Path received = dir.resolve("received");
        // cat reads through an O_RDWR descriptor, so it stays a reader across both writers (no EOF)
        try (Peer reader = Peer.start(received, "sh", "-c", "exec cat <> " + shQuote(fifo.toString()))) {
            Flux<String> lines = Flux.range(1, 50_000).map(i -> Integer.toString(i)).publishOn(Schedulers.parallel(), 32);
            WriteOptions options = WriteOptions.defaults();
            NamedPipe.of(fifo).writeLines(lines, options).subscribeOn(Schedulers.parallel()).block(WAIT);
            Flux<String> trickle = Flux.interval(Duration.ofMillis(1)).onBackpressureBuffer()
                    .take(50).map(i -> Long.toString(50_001 + i));
            NamedPipe.of(fifo).writeLines(trickle, options).subscribeOn(Schedulers.parallel()).block(WAIT);
            waitUntil(() -> Files.readAllLines(received).size() >= 50_050);
        }
        assertThat(Files.readAllLines(received)).isEqualTo(numbers(1, 50_050));
        assertThat(BLOCKING_CALLS).isEmpty();
    }

    @Test
    void fifoSinkDrivenFromParallelThreadsMakesNoBlockingCall() throws Exception {
        driveSinkFromParallelThreads(256); // a power of two: Reactor's lock-free queue
    }

    /**
     * FifoSink promises that tryEmitNext never blocks, but a bufferSize that is not a power of two
     * gets an ArrayBlockingQueue, whose offer parks on its lock while the writer thread polls.
     */
    @Test
    void fifoSinkWithAnyBufferSizeMakesNoBlockingCall() throws Exception {
        driveSinkFromParallelThreads(100);
    }

    /** Creates the sink, emits 200,000 lines and completes it from parallel threads, never waiting on one. */
    private void driveSinkFromParallelThreads(int bufferSize) throws Exception {
        Path fifo = NamedPipe.create(dir.resolve("fifo")).path();
        Path received = dir.resolve("received");
        int count = 200_000;
        try (Peer reader = Peer.start(received, "cat", fifo.toString())) {
            AtomicReference<FifoSink> sink = new AtomicReference<>();
            Schedulers.parallel().schedule(() -> sink.set(NamedPipe.of(fifo).sink(
                    WriteOptions.defaults().bufferSize(bufferSize))));
            waitUntil(() -> sink.get() != null);
            try {
                // a non-blocking producer: emit until the queue is full, then try again in a millisecond
                Sinks.Empty<Void> emitted = Sinks.empty();
                Runnable producer = new Runnable() {
                    int next = 1;

                    @Override
                    public void run() {
                        try {
                            while (next <= count) {
                                Sinks.EmitResult r = sink.get().tryEmitNext(Integer.toString(next));
                                if (r == Sinks.EmitResult.FAIL_OVERFLOW) {
                                    Schedulers.parallel().schedule(this, 1, TimeUnit.MILLISECONDS);
                                    return;
                                }
                                if (r != Sinks.EmitResult.OK) {
                                    throw new IllegalStateException("emit failed: " + r);
                                }
                                next++;
                            }
                            sink.get().tryEmitComplete();
                            emitted.tryEmitEmpty();
                        } catch (Throwable t) {
                            emitted.tryEmitError(t);
                        }
                    }
                };
                Schedulers.parallel().schedule(producer);
                emitted.asMono().block(WAIT);
                sink.get().done().block(WAIT);
            } finally {
                sink.get().dispose();
            }
            reader.awaitExit(WAIT);
        }
        assertThat(BLOCKING_CALLS).isEmpty();
        assertThat(Files.readAllLines(received)).isEqualTo(numbers(1, count));
    }

    /** With scheduler(parallel()) the library reads, emits and writes on parallel threads without a blocking call. */
    @Test
    void readingAndWritingOnParallelMakesNoBlockingCall() throws Exception {
        Path fifo = NamedPipe.create(dir.resolve("fifo")).path();
        Mono<List<String>> read = NamedPipe.of(fifo).lines(ReadOptions.defaults().scheduler(Schedulers.parallel()))
                .collectList();
        Mono<Void> write = NamedPipe.of(fifo).writeLines(Flux.range(1, 20_000).map(i -> Integer.toString(i)),
                WriteOptions.defaults().scheduler(Schedulers.parallel()));
        List<String> lines = Mono.zip(read, write.then(Mono.just(true))).map(t -> t.getT1()).block(WAIT);
        assertThat(lines).isEqualTo(numbers(1, 20_000));
        assertThat(BLOCKING_CALLS).isEmpty();
    }

    private static List<String> numbers(int from, int to) {
        return IntStream.rangeClosed(from, to).mapToObj(Integer::toString).collect(Collectors.toList());
    }

    interface Condition {
        boolean holds() throws Exception;
    }

    private static void waitUntil(Condition condition) throws Exception {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (!condition.holds()) {
            assertThat(System.nanoTime()).as("timed out waiting").isLessThan(deadline);
            Thread.sleep(5);
        }
    }
}
