package dev.reactorfifo.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A chatty pipe's worker waits in a {@code poll(2)} of its own that a cancel cannot wake. Whatever
 * becomes ready during that wait after the cancel must not be answered as ready: the caller
 * would read bytes (or write lines) that belong to other processes using the FIFO.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class SharedPollerLingerTest {

    @Test
    void aWaitCancelledDuringItsLingerIsNeverAnsweredWithReadiness() throws Exception {
        int[] pipe = Posix.wakeupPipe(); // a non-blocking pipe: {read end, write end}
        ByteBuffer one = ByteBuffer.allocateDirect(1);
        ExecutorService waiting = Executors.newSingleThreadExecutor();
        int answeredAfterCancel = 0;
        int cancelled = 0;
        try {
            for (int round = 0; round < 50; round++) {
                CountDownLatch resumed = new CountDownLatch(1);
                SharedPoller.Waiter waiter = SharedPoller.INSTANCE.newWaiter(resumed::countDown);
                try {
                    // made chatty: a registration the poller answers at once, as the byte is there
                    assertThat(Posix.write(pipe[1], one, 1)).isEqualTo(1);
                    assertThat(waiter.await(pipe[0], Posix.POLLIN)).isEqualTo(ReadinessWaiter.PENDING);
                    assertThat(resumed.await(5, TimeUnit.SECONDS)).isTrue();
                    assertThat(waiter.await(pipe[0], Posix.POLLIN)).isPositive();
                    assertThat(Posix.read(pipe[0], one, 1)).isEqualTo(1);

                    // the next wait lingers; cancel it, then make the pipe ready within the linger
                    Future<Integer> result = waiting.submit(() -> waiter.await(pipe[0], Posix.POLLIN));
                    Thread.sleep(1);
                    waiter.wakeup();
                    assertThat(Posix.write(pipe[1], one, 1)).isEqualTo(1);
                    int revents = result.get(5, TimeUnit.SECONDS);
                    if (revents > 0) {
                        answeredAfterCancel++;
                    } else if (revents == ReadinessWaiter.CANCELLED) {
                        cancelled++;
                    }
                    assertThat(Posix.read(pipe[0], one, 1)).isEqualTo(1);
                } finally {
                    waiter.close();
                }
            }
        } finally {
            waiting.shutdownNow();
            Posix.close(pipe[0]);
            Posix.close(pipe[1]);
        }
        assertThat(answeredAfterCancel).as("waits answered as ready after their cancel").isZero();
        assertThat(cancelled).as("waits that saw their cancel").isPositive();
    }
    @Test
    void noMoreWorkersLingerAtOnceThanTheBudget() throws Exception {
        int waiters = SharedPoller.LINGER_BUDGET + 3;
        int[][] pipes = new int[waiters][];
        SharedPoller.Waiter[] chatty = new SharedPoller.Waiter[waiters];
        ByteBuffer one = ByteBuffer.allocateDirect(1);
        ExecutorService threads = Executors.newFixedThreadPool(waiters);
        int fewestLingering = Integer.MAX_VALUE;
        try {
            for (int i = 0; i < waiters; i++) {
                pipes[i] = Posix.wakeupPipe();
            }
            // a lingering wait on an empty pipe takes the whole linger; one over the budget
            // registers at once. Threads start a little apart, so the best of a few attempts counts.
            for (int attempt = 0; attempt < 5 && fewestLingering > SharedPoller.LINGER_BUDGET; attempt++) {
                for (int i = 0; i < waiters; i++) {
                    chatty[i] = makeChatty(pipes[i], one);
                }
                CountDownLatch start = new CountDownLatch(1);
                List<Future<Long>> took = new ArrayList<>();
                for (int i = 0; i < waiters; i++) {
                    SharedPoller.Waiter waiter = chatty[i];
                    int fd = pipes[i][0];
                    took.add(threads.submit(() -> {
                        start.await();
                        long t0 = System.nanoTime();
                        assertThat(waiter.await(fd, Posix.POLLIN)).isEqualTo(ReadinessWaiter.PENDING);
                        return System.nanoTime() - t0;
                    }));
                }
                start.countDown();
                int lingered = 0;
                for (Future<Long> f : took) {
                    if (f.get(5, TimeUnit.SECONDS) >= TimeUnit.MILLISECONDS.toNanos(SharedPoller.CHATTY_LINGER_MILLIS - 1)) {
                        lingered++;
                    }
                }
                fewestLingering = Math.min(fewestLingering, lingered);
                for (SharedPoller.Waiter waiter : chatty) {
                    waiter.close();
                }
            }
        } finally {
            threads.shutdownNow();
            for (int[] pipe : pipes) {
                if (pipe != null) {
                    Posix.close(pipe[0]);
                    Posix.close(pipe[1]);
                }
            }
        }
        assertThat(fewestLingering).as("waits that lingered, of %d chatty ones", waiters)
                .isLessThanOrEqualTo(SharedPoller.LINGER_BUDGET);
    }

    /** A waiter whose last registration was answered at once (the byte was there), the pipe empty again. */
    private static SharedPoller.Waiter makeChatty(int[] pipe, ByteBuffer one) throws Exception {
        CountDownLatch resumed = new CountDownLatch(1);
        SharedPoller.Waiter waiter = SharedPoller.INSTANCE.newWaiter(resumed::countDown);
        assertThat(Posix.write(pipe[1], one, 1)).isEqualTo(1);
        assertThat(waiter.await(pipe[0], Posix.POLLIN)).isEqualTo(ReadinessWaiter.PENDING);
        assertThat(resumed.await(5, TimeUnit.SECONDS)).isTrue();
        assertThat(waiter.await(pipe[0], Posix.POLLIN)).isPositive();
        assertThat(Posix.read(pipe[0], one, 1)).isEqualTo(1);
        return waiter;
    }
}
