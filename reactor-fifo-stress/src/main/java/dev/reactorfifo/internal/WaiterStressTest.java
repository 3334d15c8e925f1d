package dev.reactorfifo.internal;

import java.io.IOException;
import java.util.concurrent.atomic.AtomicInteger;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.Expect;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.II_Result;
import org.openjdk.jcstress.infra.results.III_Result;

/**
 * {@link Waiter}'s state word (answer, armed bit, arm sequence) between the poller's
 * {@link Waiter#fire} and the drain's {@link Waiter#await} and {@link Waiter#closeDescriptor}, on
 * a {@link FakePoller}. The drain awaits with {@code mayLinger} false, as an emitting thread
 * does: a fire that comes within a millisecond of the arm (every fire here) makes the waiter
 * chatty, and a chatty await would otherwise wait 5 ms in its own poll(2) before it arms; the
 * state word goes through the same transitions either way. closeDescriptor closes descriptor -1,
 * a harmless EBADF: the one system call of these tests.
 */
public class WaiterStressTest {

    static final int FD = -1;
    static final int ERROR = -3;

    static Waiter armedWaiter(AtomicInteger resumes) {
        Waiter w = new Waiter(FakePoller.INSTANCE, resumes::incrementAndGet);
        try {
            if (w.await(FD, Posix.POLLIN, false) != Waiter.PENDING) { // arm number 1
                throw new AssertionError("a fresh waiter answered at once");
            }
        } catch (IOException e) {
            throw new AssertionError(e);
        }
        return w;
    }

    static int await(Waiter w) {
        try {
            return w.await(FD, Posix.POLLIN, false);
        } catch (IOException e) {
            return ERROR;
        }
    }

    /**
     * Arm 1 is outstanding; the poller answers it while the drain closes the descriptor and arms
     * again (for the next descriptor, say the reopened FIFO). Result: what that await returned,
     * how often the resume action ran.
     *
     * <p>Forbidden: the await taking the answer meant for the closed descriptor (POLLIN, 1).
     *
     * <p>Run against a broken copy ({@code -m quick -sc false}): with {@code closeDescriptor}'s
     * {@code for (;;)} loop that moves the state word to a new, unarmed sequence removed (only
     * {@code forget} and the close left), jcstress reported the forbidden outcome "1, 1" (99% of
     * the samples): the closed descriptor's answer taken by the next await.
     */
    @JCStressTest
    @Outcome(id = "-2, 1", expect = Expect.ACCEPTABLE, desc = "answered before the close, which dropped the answer; the new arm waits")
    @Outcome(id = "-2, 0", expect = Expect.ACCEPTABLE, desc = "the answer came after the close and was dropped as stale")
    @Outcome(id = "1, .*", expect = Expect.FORBIDDEN, desc = "the closed descriptor's answer taken by the next await")
    @Outcome(expect = Expect.FORBIDDEN, desc = "any other outcome")
    @State
    public static class FireVsCloseAndRearm {

        final AtomicInteger resumes = new AtomicInteger();
        final Waiter waiter = armedWaiter(resumes);
        int awaited;

        @Actor
        public void poller() {
            waiter.fire(Posix.POLLIN, 1);
        }

        @Actor
        public void drain() {
            waiter.closeDescriptor(FD);
            awaited = await(waiter);
        }

        @Arbiter
        public void arbiter(II_Result r) {
            r.r1 = awaited;
            r.r2 = resumes.get();
            waiter.close();
        }
    }

    /**
     * Arm 1 is outstanding; the poller answers it while the drain, run again for another reason
     * (a request), awaits; the arbiter awaits once more, as the resumed drain does. Result: the
     * drain's await, the arbiter's await, resumes.
     *
     * <p>Forbidden: the answer lost (both PENDING: the drain would wait forever) or taken twice
     * (both POLLIN: a read the poller did not vouch for).
     *
     * <p>Run against a broken copy ({@code -m quick -sc false}): with {@code await}'s
     * {@code if ((current & ARMED) != 0) return PENDING;} removed (a drain that runs again arms
     * anew, so sequence 2 replaces 1), jcstress reported the forbidden outcome "-2, -2, 0" (49% of
     * the samples): the answer to arm 1 dropped as stale, nobody resumed.
     */
    @JCStressTest
    @Outcome(id = "-2, 1, 1", expect = Expect.ACCEPTABLE, desc = "the drain's await came first; the answer and the resume after it")
    @Outcome(id = "1, -2, 1", expect = Expect.ACCEPTABLE, desc = "the answer first, taken by the drain's await; the next one arms anew")
    @Outcome(id = "-2, -2, .*", expect = Expect.FORBIDDEN, desc = "the answer lost")
    @Outcome(id = "1, 1, .*", expect = Expect.FORBIDDEN, desc = "the answer taken twice")
    @Outcome(expect = Expect.FORBIDDEN, desc = "any other outcome")
    @State
    public static class FireVsAwait {

        final AtomicInteger resumes = new AtomicInteger();
        final Waiter waiter = armedWaiter(resumes);
        int awaited;

        @Actor
        public void poller() {
            waiter.fire(Posix.POLLIN, 1);
        }

        @Actor
        public void drain() {
            awaited = await(waiter);
        }

        @Arbiter
        public void arbiter(III_Result r) {
            r.r1 = awaited;
            r.r2 = await(waiter);
            r.r3 = resumes.get();
            waiter.close();
        }
    }
}
