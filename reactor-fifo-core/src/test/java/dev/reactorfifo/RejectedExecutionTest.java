package dev.reactorfifo;

import static dev.reactorfifo.FifoTestSupport.descriptorsOn;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.FileInputStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.reactivestreams.Subscription;
import reactor.core.Disposable;
import reactor.core.publisher.BaseSubscriber;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Hooks;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;
import reactor.test.StepVerifier;

/**
 * A scheduler that rejects the drain task (a disposed scheduler, or {@code boundedElastic()}'s
 * queue cap) while the subscription is cancelled: exactly one of the two releases the resources.
 * Before the fix both did: the descriptor number was closed twice, and the second close could hit
 * an unrelated descriptor that reused the number; the rejected dispatch also failed a cancelled
 * subscription (its error went to {@code onErrorDropped}). Each round makes the cancel land while
 * {@code schedule()} is between taking the task and throwing, and a sentinel descriptor that
 * reuses the freed number must survive.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class RejectedExecutionTest extends ReleaseChecked {

    private static final Duration WAIT = Duration.ofSeconds(10);

    @TempDir
    Path dir;

    private final List<Throwable> dropped = Collections.synchronizedList(new ArrayList<>());

    @BeforeEach
    void recordDroppedErrors() {
        Hooks.onErrorDropped(dropped::add);
    }

    @AfterEach
    void resetHooks() {
        Hooks.resetOnErrorDropped();
    }

    /**
     * Runs the first task on a worker (the open), and for the second one signals {@code reject},
     * waits until the test has cancelled, then throws.
     */
    private static class RejectingSecondTask implements Scheduler {
        final ExecutorService worker = Executors.newSingleThreadExecutor();
        final AtomicInteger calls = new AtomicInteger();
        final CountDownLatch reject = new CountDownLatch(1);
        final CountDownLatch cancelled = new CountDownLatch(1);
        /** The first task (the open) has returned: the drain's counter is free again. */
        final CountDownLatch firstDone = new CountDownLatch(1);

        @Override
        public Disposable schedule(Runnable task) {
            if (calls.incrementAndGet() == 1) {
                worker.submit(() -> {
                    task.run();
                    firstDone.countDown();
                });
                return () -> { };
            }
            reject.countDown();
            try {
                cancelled.await(WAIT.toMillis(), TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            throw new RejectedExecutionException("rejected on purpose");
        }

        @Override
        public Worker createWorker() {
            return Schedulers.immediate().createWorker();
        }

        @Override
        public void dispose() {
            worker.shutdownNow();
        }
    }

    @Test
    void aRejectedDrainRacedByACancelIsReleasedOnce() throws Exception {
        Path fifo = NamedPipe.create(dir.resolve("fifo")).path();
        for (int round = 0; round < 50; round++) {
            RejectingSecondTask scheduler = new RejectingSecondTask();
            AtomicReference<Subscription> subscription = new AtomicReference<>();
            NamedPipe.of(fifo).lines(ReadOptions.defaults().scheduler(scheduler)).subscribe(new BaseSubscriber<String>() {
                @Override
                protected void hookOnSubscribe(Subscription s) {
                    subscription.set(s); // opens at once, requests nothing yet
                }
            });
            LinesTest.awaitCondition(() -> descriptorsOn(fifo) == 1, "the reader opened the FIFO");
            assertThat(scheduler.firstDone.await(WAIT.toMillis(), TimeUnit.MILLISECONDS)).as("the open returned").isTrue();
            Thread requester = new Thread(() -> subscription.get().request(1)); // its drain task is rejected
            requester.start();
            assertThat(scheduler.reject.await(WAIT.toMillis(), TimeUnit.MILLISECONDS)).isTrue();
            subscription.get().cancel(); // takes the queued task: releases everything here
            assertThat(descriptorsOn(fifo)).as("round %d: closed by the cancel", round).isZero();
            try (FileInputStream sentinel = new FileInputStream("/dev/zero")) { // likely the freed number
                scheduler.cancelled.countDown();
                requester.join(WAIT.toMillis());
                assertThat(sentinel.read()).as("round %d: the sentinel descriptor is still open", round).isZero();
            }
            scheduler.dispose();
        }
        assertThat(dropped).as("errors of a rejected drain that a cancel had already released").isEmpty();
    }

    /**
     * A drain the poller resumes and the scheduler rejects fails the subscription off the poller
     * thread: the subscriber's onError (here one that throws) never runs on the thread every FIFO
     * of the process waits on, and a fresh subscription still delivers. Before, the throw ended
     * the poller thread and failed every later lines() of the JVM.
     */
    @Test
    void aRejectedResumeFailsOffThePollerThread() throws Exception {
        Path fifo = NamedPipe.create(dir.resolve("fifo")).path();
        // runs what the subscriber's own threads schedule, rejects what the poller's thread does (a resume)
        Scheduler firstOnly = new RejectingSecondTask() {
            @Override
            public Disposable schedule(Runnable task) {
                if (!Thread.currentThread().getName().startsWith("reactor-fifo-poller")) {
                    worker.submit(task);
                    return () -> { };
                }
                throw new RejectedExecutionException("rejected on purpose");
            }
        };
        AtomicReference<String> onErrorThread = new AtomicReference<>();
        CountDownLatch failed = new CountDownLatch(1);
        NamedPipe.of(fifo).lines(ReadOptions.defaults().scheduler(firstOnly)).subscribe(new BaseSubscriber<String>() {
            @Override
            protected void hookOnError(Throwable error) {
                onErrorThread.set(Thread.currentThread().getName());
                failed.countDown();
                throw new IllegalStateException("a subscriber whose onError throws");
            }
        });
        LinesTest.awaitCondition(() -> descriptorsOn(fifo) == 1, "the reader opened and waits");
        try (FifoTestSupport.Peer writer = FifoTestSupport.Peer.sh("printf 'x\\n' > " + FifoTestSupport.shQuote(fifo.toString()))) {
            assertThat(failed.await(WAIT.toMillis(), TimeUnit.MILLISECONDS)).as("the rejected resume failed the stream").isTrue();
            writer.awaitExit(WAIT);
        } finally {
            firstOnly.dispose();
        }
        assertThat(onErrorThread.get()).doesNotStartWith("reactor-fifo-poller");
        try (FifoTestSupport.Peer writer = FifoTestSupport.Peer.sh("printf 'fresh\\n' > " + FifoTestSupport.shQuote(fifo.toString()))) {
            StepVerifier.create(NamedPipe.of(fifo).lines()).expectNext("fresh").expectComplete().verify(WAIT);
        }
        dropped.clear(); // the throwing onError's error, dropped on the thread that ran it
    }

    @Test
    void aRejectedDrainFailsTheSubscription() throws Exception {
        Path fifo = NamedPipe.create(dir.resolve("fifo")).path();
        Scheduler disposed = Schedulers.newSingle("disposed");
        disposed.dispose();
        // the message names the FIFO and keeps the scheduler's reason, which is the cause
        StepVerifier.create(NamedPipe.of(fifo).lines(ReadOptions.defaults().scheduler(disposed)))
                .expectErrorSatisfies(e -> assertThat(e).isInstanceOf(RejectedExecutionException.class)
                        .hasMessageContaining(fifo + ": the scheduler")
                        .hasCauseInstanceOf(RejectedExecutionException.class))
                .verify(WAIT);
        StepVerifier.create(NamedPipe.of(fifo).writeLines(Flux.just("x"), WriteOptions.defaults().scheduler(disposed)))
                .expectErrorSatisfies(e -> assertThat(e).isInstanceOf(RejectedExecutionException.class)
                        .hasMessageContaining(fifo + ": the scheduler")
                        .hasCauseInstanceOf(RejectedExecutionException.class))
                .verify(WAIT);
    }
}
