package dev.reactorfifo;

import static dev.reactorfifo.FifoTestSupport.descriptorsOn;
import static dev.reactorfifo.FifoTestSupport.shQuote;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.reactorfifo.FifoTestSupport.Peer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Sinks;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;
import reactor.test.StepVerifier;

/**
 * No system call of the library blocks, so every asynchronous scheduler works, the non-blocking
 * ones included, and {@code onNext} runs on the options' scheduler. {@code Schedulers.immediate()}
 * is refused before the FIFO is touched: it would run the drain on the subscribing thread and on
 * the poller's, and a peer process waiting on the FIFO notices nothing.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class SchedulersTest extends ReleaseChecked {

    private static final Duration WAIT = Duration.ofSeconds(20);

    @TempDir
    Path dir;

    @Test
    void linesReadsAndEmitsOnNonBlockingSchedulers() throws Exception {
        Path fifo = NamedPipe.create(dir.resolve("fifo")).path();
        Scheduler custom = Schedulers.newParallel("custom-parallel", 1);
        try {
            for (Scheduler scheduler : List.of(Schedulers.parallel(), Schedulers.single(), custom)) {
                try (Peer writer = Peer.sh("printf 'a\\nb\\n' > " + shQuote(fifo.toString()))) {
                    StepVerifier.create(NamedPipe.of(fifo).lines(ReadOptions.defaults().scheduler(scheduler))
                                    .map(line -> line + " on " + Thread.currentThread().getName()))
                            .assertNext(l -> assertThat(l).startsWith("a on ").matches(onScheduler(scheduler)))
                            .assertNext(l -> assertThat(l).startsWith("b on ").matches(onScheduler(scheduler)))
                            .expectComplete()
                            .verify(WAIT);
                    assertThat(writer.awaitExit(WAIT)).isZero();
                }
            }
        } finally {
            custom.dispose();
        }
    }

    private static String onScheduler(Scheduler scheduler) {
        if (scheduler == Schedulers.parallel()) {
            return ".* on parallel-\\d+";
        }
        if (scheduler == Schedulers.single()) {
            return ".* on single-\\d+";
        }
        return ".* on custom-parallel-\\d+";
    }

    @Test
    void writeLinesAndTheSinkWriteOnNonBlockingSchedulers() throws Exception {
        Path fifo = NamedPipe.create(dir.resolve("fifo")).path();
        for (Scheduler scheduler : List.of(Schedulers.parallel(), Schedulers.single())) {
            Path received = dir.resolve("received-" + scheduler.hashCode());
            try (Peer reader = Peer.start(received, "cat", fifo.toString())) {
                // waits for the reader on a timer and for room on the poller: the pipe fills 50 times
                NamedPipe.of(fifo).writeLines(Flux.range(1, 100_000).map(i -> "line " + i),
                        WriteOptions.defaults().scheduler(scheduler)).block(WAIT);
                assertThat(reader.awaitExit(WAIT)).isZero();
            }
            assertThat(Files.readAllLines(received)).hasSize(100_000).startsWith("line 1").endsWith("line 100000");
        }
        Path sunk = dir.resolve("sunk");
        try (Peer reader = Peer.start(sunk, "cat", fifo.toString())) {
            FifoSink sink = NamedPipe.of(fifo).sink(WriteOptions.defaults().scheduler(Schedulers.parallel()));
            assertThat(sink.tryEmitNext("pushed")).isEqualTo(Sinks.EmitResult.OK);
            assertThat(sink.tryEmitComplete()).isEqualTo(Sinks.EmitResult.OK);
            sink.done().block(WAIT);
            assertThat(reader.awaitExit(WAIT)).isZero();
        }
        assertThat(Files.readAllLines(sunk)).containsExactly("pushed");
    }

    @Test
    void immediateIsRefusedBeforeTheFifoIsTouched() throws Exception {
        Path fifo = NamedPipe.create(dir.resolve("fifo")).path();
        // a writer blocked in open(2): if the library opened the FIFO, even briefly, it would write and exit
        try (Peer writer = Peer.sh("printf 'still here\\n' > " + shQuote(fifo.toString()))) {
            StepVerifier.create(NamedPipe.of(fifo).lines(ReadOptions.defaults().scheduler(Schedulers.immediate())))
                    .expectErrorSatisfies(refused(fifo))
                    .verify(WAIT);
            StepVerifier.create(NamedPipe.of(fifo).writeLines(Flux.just("refused"),
                            WriteOptions.defaults().scheduler(Schedulers.immediate())))
                    .expectErrorSatisfies(refused(fifo))
                    .verify(WAIT);
            assertThatThrownBy(() -> NamedPipe.of(fifo).sink(WriteOptions.defaults().scheduler(Schedulers.immediate())))
                    .satisfies(refused(fifo));
            assertThat(writer.process.isAlive()).as("the writer is still waiting for a reader").isTrue();
            assertThat(descriptorsOn(fifo)).isZero();
            // the control: the default scheduler reads the waiting writer's line
            StepVerifier.create(NamedPipe.of(fifo).lines())
                    .expectNext("still here")
                    .expectComplete()
                    .verify(WAIT);
            assertThat(writer.awaitExit(WAIT)).isZero();
        }
    }

    @Test
    void customElasticAndExecutorSchedulersWork() throws Exception {
        Path fifo = NamedPipe.create(dir.resolve("fifo")).path();
        ExecutorService executor = Executors.newFixedThreadPool(2);
        Scheduler elastic = Schedulers.newBoundedElastic(2, 10, "custom-elastic");
        try {
            for (Scheduler scheduler : List.of(elastic, Schedulers.fromExecutorService(executor))) {
                try (Peer writer = Peer.sh("printf 'a\\nb\\n' > " + shQuote(fifo.toString()))) {
                    StepVerifier.create(NamedPipe.of(fifo).lines(ReadOptions.defaults().scheduler(scheduler)))
                            .expectNext("a", "b")
                            .expectComplete()
                            .verify(WAIT);
                    writer.awaitExit(WAIT);
                }
            }
        } finally {
            elastic.dispose();
            executor.shutdownNow();
        }
    }

    private static Consumer<Throwable> refused(Path fifo) {
        return e -> assertThat(e).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining(fifo.toString())
                .hasMessageContaining("Schedulers.immediate()");
    }
}
