package dev.reactorfifo;

import static dev.reactorfifo.FifoTestSupport.assumeLinux;
import static dev.reactorfifo.FifoTestSupport.awaitReleased;
import static dev.reactorfifo.FifoTestSupport.descriptorsOn;
import static dev.reactorfifo.FifoTestSupport.openPipeDescriptors;
import static dev.reactorfifo.FifoTestSupport.shQuote;
import static org.assertj.core.api.Assertions.assertThat;

import dev.reactorfifo.FifoTestSupport.Peer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Sinks;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;
import reactor.test.StepVerifier;

/**
 * Issue 6, blocking discipline without BlockHound: BlockHound cannot see jnr's native calls, so
 * the library refuses to open, wait or read on a non-blocking thread, with the
 * IllegalStateException Reactor's {@code block()} gives there. The refusal comes before anything
 * touches the FIFO: a peer process waiting on it notices nothing.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class BlockingDisciplineTest extends ReleaseChecked {

    private static final Duration WAIT = Duration.ofSeconds(20);

    @TempDir
    Path dir;


    @Test
    void linesRefusesNonBlockingSchedulersWithoutTouchingTheFifo() throws Exception {
        Path fifo = NamedPipe.create(dir.resolve("fifo")).path();
        // a writer blocked in open(2): if the library opened the FIFO, even briefly, it would write and exit
        try (Peer writer = Peer.sh("printf 'still here\\n' > " + shQuote(fifo.toString()))) {
            Scheduler custom = Schedulers.newParallel("custom-parallel", 1);
            try {
                for (Scheduler nonBlocking : List.of(Schedulers.parallel(), Schedulers.single(), custom)) {
                    StepVerifier.create(NamedPipe.of(fifo).lines(ReadOptions.defaults().scheduler(nonBlocking)))
                            .expectErrorSatisfies(refused(fifo))
                            .verify(WAIT);
                }
                // immediate() runs on the caller: refused when the caller is a parallel thread
                StepVerifier.create(NamedPipe.of(fifo).lines(ReadOptions.defaults().scheduler(Schedulers.immediate()))
                                .subscribeOn(Schedulers.parallel()))
                        .expectErrorSatisfies(refused(fifo))
                        .verify(WAIT);
            } finally {
                custom.dispose();
            }
            Thread.sleep(100);
            assertThat(writer.process.isAlive()).as("the writer is still waiting for a reader").isTrue();
            assertThat(descriptorsOn(fifo)).isZero();
            // the control: a scheduler that may block reads the waiting writer's line
            StepVerifier.create(NamedPipe.of(fifo).lines())
                    .expectNext("still here")
                    .expectComplete()
                    .verify(WAIT);
            assertThat(writer.awaitExit(WAIT)).isZero();
        }
    }

    @Test
    void writeLinesRefusesNonBlockingSchedulersWithoutTouchingTheFifo() throws Exception {
        Path fifo = NamedPipe.create(dir.resolve("fifo")).path();
        Path received = dir.resolve("received");
        // a reader blocked in open(2): if the library opened the FIFO and closed it, cat would see EOF and exit
        try (Peer reader = Peer.start(received, "cat", fifo.toString())) {
            for (Scheduler nonBlocking : List.of(Schedulers.parallel(), Schedulers.single())) {
                StepVerifier.create(NamedPipe.of(fifo).writeLines(Flux.just("refused"),
                                WriteOptions.defaults().scheduler(nonBlocking)))
                        .expectErrorSatisfies(refused(fifo))
                        .verify(WAIT);
            }
            StepVerifier.create(NamedPipe.of(fifo).writeLines(Flux.just("refused"),
                                    WriteOptions.defaults().scheduler(Schedulers.immediate()))
                            .subscribeOn(Schedulers.parallel()))
                    .expectErrorSatisfies(refused(fifo))
                    .verify(WAIT);
            Thread.sleep(100);
            assertThat(reader.process.isAlive()).as("the reader is still waiting for a writer").isTrue();
            NamedPipe.of(fifo).writeLines(Flux.just("accepted")).block(WAIT);
            assertThat(reader.awaitExit(WAIT)).isZero();
        }
        assertThat(Files.readAllLines(received)).containsExactly("accepted");
    }

    @Test
    void sinkRefusesANonBlockingScheduler() throws Exception {
        Path fifo = NamedPipe.create(dir.resolve("fifo")).path();
        FifoSink sink = NamedPipe.of(fifo).sink(WriteOptions.defaults().scheduler(Schedulers.parallel()));
        try {
            StepVerifier.create(sink.done()).expectErrorSatisfies(refused(fifo)).verify(WAIT);
            assertThat(sink.tryEmitNext("x")).isNotEqualTo(Sinks.EmitResult.OK);
        } finally {
            sink.dispose();
        }
    }

    /** The guard does not refuse blocking-capable threads: custom elastic and plain executors work. */
    @Test
    void blockingCapableSchedulersAreAccepted() throws Exception {
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
            // subscribing from a parallel thread is fine: the work hops to the blocking scheduler
            try (Peer writer = Peer.sh("printf 'c\\n' > " + shQuote(fifo.toString()))) {
                StepVerifier.create(NamedPipe.of(fifo).lines().subscribeOn(Schedulers.parallel()))
                        .expectNext("c")
                        .expectComplete()
                        .verify(WAIT);
                writer.awaitExit(WAIT);
            }
        } finally {
            elastic.dispose();
            executor.shutdownNow();
        }
    }

    private static Consumer<Throwable> refused(Path fifo) {
        return e -> assertThat(e).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining(fifo.toString())
                .hasMessageContaining("non-blocking");
    }
}
