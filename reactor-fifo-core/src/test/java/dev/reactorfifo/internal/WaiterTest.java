package dev.reactorfifo.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A cancelled waiter answers {@code CANCELLED} to every later wait, even
 * when a result is at hand, so that a cancelled subscription never reads, writes or opens again
 * (bytes it would take belong to other processes using the FIFO); and a chatty pipe's own
 * {@code poll} ("linger"), which a cancel cannot wake, obeys that too and the linger budget.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class WaiterTest {

    private final ByteBuffer one = ByteBuffer.allocateDirect(1);
    private final List<int[]> pipes = new ArrayList<>();
    private final List<Waiter> waiters = new ArrayList<>();

    @AfterEach
    void release() {
        waiters.forEach(Waiter::close); // unregistered before their descriptors close
        for (int[] pipe : pipes) {
            Posix.close(pipe[0]);
            Posix.close(pipe[1]);
        }
        assertThat(Waiter.lingeringNow()).as("linger slots given back").isZero();
    }

    @Test
    void aCancelledWaiterDoesNotHandBackAReadyResult() throws Exception {
        int[] pipe = newPipe();
        CountDownLatch resumed = new CountDownLatch(1);
        Waiter waiter = newWaiter(resumed::countDown);
        assertThat(Posix.write(pipe[1], one, 1)).isEqualTo(1);
        assertThat(waiter.await(pipe[0], Posix.POLLIN)).isEqualTo(Waiter.PENDING);
        assertThat(resumed.await(5, TimeUnit.SECONDS)).isTrue(); // the result is at hand now
        waiter.wakeup();
        assertThat(waiter.await(pipe[0], Posix.POLLIN)).isEqualTo(Waiter.CANCELLED);
    }

    @Test
    void aCancelledWaiterDoesNotEndAPauseThatIsOver() throws Exception {
        CountDownLatch resumed = new CountDownLatch(1);
        Waiter waiter = newWaiter(resumed::countDown);
        assertThat(waiter.pause(1)).isEqualTo(Waiter.PENDING);
        assertThat(resumed.await(5, TimeUnit.SECONDS)).isTrue(); // the pause is over
        waiter.wakeup();
        assertThat(waiter.pause(1)).as("a writer would retry its open").isEqualTo(Waiter.CANCELLED);
    }

    @Test
    void aWaitCancelledDuringItsLingerIsNeverAnsweredWithReadiness() throws Exception {
        int[] pipe = newPipe();
        Thread[] worker = new Thread[1];
        ExecutorService waiting = Executors.newSingleThreadExecutor(r -> worker[0] = new Thread(r, "linger-test"));
        int lingered = 0;
        int answeredAfterCancel = 0;
        try {
            for (int round = 0; round < 50; round++) {
                Waiter waiter = makeChatty(pipe);
                Future<Integer> result = waiting.submit(() -> waiter.await(pipe[0], Posix.POLLIN));
                // cancel once the worker is in its own poll, then make the pipe ready within the linger
                long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(50);
                boolean inPoll = false;
                while (!result.isDone() && !(inPoll = inPosixPoll(worker[0])) && System.nanoTime() < deadline) {
                    Thread.onSpinWait();
                }
                waiter.wakeup();
                assertThat(Posix.write(pipe[1], one, 1)).isEqualTo(1);
                int revents = result.get(5, TimeUnit.SECONDS);
                if (inPoll && revents != Waiter.PENDING) {
                    lingered++; // PENDING: the linger had run out and the waiter registered
                }
                if (revents > 0) {
                    answeredAfterCancel++;
                }
                assertThat(Posix.read(pipe[0], one, 1)).isEqualTo(1);
            }
        } finally {
            waiting.shutdownNow();
        }
        assertThat(answeredAfterCancel).as("waits answered as ready after their cancel").isZero();
        assertThat(lingered).as("rounds cancelled during a linger").isPositive();
    }

    @Test
    void noMoreWorkersLingerAtOnceThanTheBudget() throws Exception {
        int count = Waiter.LINGER_BUDGET + 3;
        ExecutorService threads = Executors.newFixedThreadPool(count);
        int most = 0;
        try {
            // the budget is a hard bound, so every attempt counts: more attempts only make an
            // overrun likelier to be seen, never a correct count look wrong
            for (int attempt = 0; attempt < 5; attempt++) {
                CountDownLatch start = new CountDownLatch(1);
                List<Future<Integer>> results = new ArrayList<>();
                for (int i = 0; i < count; i++) {
                    int[] pipe = newPipe();
                    Waiter waiter = makeChatty(pipe);
                    results.add(threads.submit(() -> {
                        start.await();
                        return waiter.await(pipe[0], Posix.POLLIN); // nothing comes: lingers, or registers
                    }));
                }
                start.countDown();
                while (!results.stream().allMatch(Future::isDone)) {
                    most = Math.max(most, Waiter.lingeringNow());
                }
                for (Future<Integer> r : results) {
                    assertThat(r.get(5, TimeUnit.SECONDS)).isEqualTo(Waiter.PENDING);
                }
            }
        } finally {
            threads.shutdownNow();
        }
        assertThat(most).as("workers lingering at once, of %d chatty waits", count)
                .isPositive().isLessThanOrEqualTo(Waiter.LINGER_BUDGET);
    }

    /**
     * The poll(2) poller answers a reader that has seen a writer with {@link Waiter#PROBE} after
     * its bounded wait, so the reader tries a read and finds an EOF poll may not report (macOS);
     * a wait without that bit is never probed. Two probe rounds are awaited (the second on a
     * re-armed wait), so the unprobed wait had two chances to be answered wrongly.
     */
    @Test
    void thePollPollerProbesWaitsThatAskForItAndNoOthers() throws Exception {
        PollPoller poller = new PollPoller();
        int[] probed = newPipe();
        int[] unprobed = newPipe();
        CountDownLatch firstProbe = new CountDownLatch(1);
        CountDownLatch secondProbe = new CountDownLatch(2);
        java.util.concurrent.atomic.AtomicInteger unprobedAnswers = new java.util.concurrent.atomic.AtomicInteger();
        Waiter probing = new Waiter(poller, () -> {
            firstProbe.countDown();
            secondProbe.countDown();
        });
        Waiter quiet = new Waiter(poller, unprobedAnswers::incrementAndGet);
        waiters.add(probing);
        waiters.add(quiet);
        assertThat(quiet.await(unprobed[0], Posix.POLLIN)).isEqualTo(Waiter.PENDING);
        assertThat(probing.await(probed[0], Posix.POLLIN | Waiter.PROBE)).isEqualTo(Waiter.PENDING);
        assertThat(firstProbe.await(5, TimeUnit.SECONDS)).as("probed within the bounded wait").isTrue();
        assertThat(probing.await(probed[0], Posix.POLLIN | Waiter.PROBE)).isEqualTo(Waiter.PROBE);
        assertThat(probing.await(probed[0], Posix.POLLIN | Waiter.PROBE)).isEqualTo(Waiter.PENDING);
        assertThat(secondProbe.await(5, TimeUnit.SECONDS)).as("probed again once re-armed").isTrue();
        assertThat(unprobedAnswers).as("answers to the wait that did not ask for probes").hasValue(0);
        // the control: real readiness still reaches the unprobed wait
        assertThat(Posix.write(unprobed[1], one, 1)).isEqualTo(1);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (unprobedAnswers.get() == 0 && System.nanoTime() < deadline) {
            Thread.sleep(1);
        }
        assertThat(quiet.await(unprobed[0], Posix.POLLIN) & Posix.POLLIN).isEqualTo(Posix.POLLIN);
    }

    private int[] newPipe() throws Exception {
        int[] pipe = Posix.wakeupPipe(); // non-blocking: {read end, write end}
        pipes.add(pipe);
        return pipe;
    }

    private Waiter newWaiter(Runnable resume) {
        Waiter waiter = new Waiter(Poller.INSTANCE, resume);
        waiters.add(waiter);
        return waiter;
    }

    /** A waiter whose last registration was answered at once (the byte was there); the pipe is empty again. */
    private Waiter makeChatty(int[] pipe) throws Exception {
        CountDownLatch resumed = new CountDownLatch(1);
        Waiter waiter = newWaiter(resumed::countDown);
        assertThat(Posix.write(pipe[1], one, 1)).isEqualTo(1);
        assertThat(waiter.await(pipe[0], Posix.POLLIN)).isEqualTo(Waiter.PENDING);
        assertThat(resumed.await(5, TimeUnit.SECONDS)).isTrue();
        assertThat(waiter.await(pipe[0], Posix.POLLIN)).isPositive();
        assertThat(Posix.read(pipe[0], one, 1)).isEqualTo(1);
        return waiter;
    }

    private static boolean inPosixPoll(Thread thread) {
        return thread != null && Arrays.stream(thread.getStackTrace())
                .anyMatch(f -> f.getClassName().equals(Posix.class.getName()) && f.getMethodName().equals("poll"));
    }
}
