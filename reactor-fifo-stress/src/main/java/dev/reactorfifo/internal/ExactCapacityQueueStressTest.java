package dev.reactorfifo.internal;

import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.Expect;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.III_Result;

/**
 * {@link ExactCapacityQueue}: one producer (the sink's serialised emitter) offering, one consumer
 * (the drain) polling.
 */
public class ExactCapacityQueueStressTest {

    /**
     * Below the delegate's own bound on purpose: Reactor's {@code Queues.get(3)} is an SPSC array
     * queue of 8 slots (at least 8, a power of two), so only the exact count keeps it at 3.
     */
    static final int CAPACITY = 3;
    static final int OFFERS = 5;
    static final int POLLS = 2;

    static final int OK = 0;
    static final int LOST_OR_DUPLICATED = 1;
    static final int OVER_CAPACITY = 2;

    /**
     * The producer offers 1..5 into a queue of capacity 3 while the consumer polls twice; the
     * arbiter takes what is left. Result: elements accepted, elements the consumer got, verdict.
     *
     * <p>Forbidden: the queue holding more than 3 (the producer finds more accepted than 3 plus
     * the polls the consumer has started, or more than 3 are left at the end), and an accepted
     * element lost, duplicated or out of order (what the consumer and the arbiter took together
     * is not exactly the accepted 1..n).
     *
     * <p>Run against a broken copy ({@code -m quick -sc false}): with {@code offer}'s
     * {@code size.get() >= capacity ||} removed (only the delegate's bound of 8 left), jcstress
     * reported the forbidden outcomes "5, 0, 2" (95% of the samples), "5, 1, 2" and "5, 2, 2":
     * all five accepted, more than 3 held.
     */
    @JCStressTest
    @Outcome(id = {"3, 0, 0", "3, 1, 0", "3, 2, 0", "4, 1, 0", "4, 2, 0", "5, 2, 0"},
            expect = Expect.ACCEPTABLE, desc = "at most 3 held at a time, every accepted element taken once, in order")
    @Outcome(id = ".*, 1", expect = Expect.FORBIDDEN, desc = "an accepted element lost, duplicated or out of order")
    @Outcome(id = ".*, 2", expect = Expect.FORBIDDEN, desc = "more than the capacity held")
    @Outcome(expect = Expect.FORBIDDEN, desc = "any other outcome")
    @State
    public static class OfferPoll {

        final ExactCapacityQueue<Integer> queue = new ExactCapacityQueue<>(CAPACITY);
        /** Polls the consumer has started; written by the consumer only, before each poll. */
        volatile int pollsStarted;
        int accepted;
        boolean overflowSeen;
        final int[] polled = new int[POLLS];
        int polledCount;

        @Actor
        public void producer() {
            for (int i = 1; i <= OFFERS; i++) {
                if (queue.offer(i)) {
                    accepted++;
                    // a lower bound of what is held: at most pollsStarted elements have left
                    if (accepted - pollsStarted > CAPACITY) {
                        overflowSeen = true;
                    }
                } else {
                    break; // the emitter reports an overflow and stops there
                }
            }
        }

        @Actor
        public void consumer() {
            for (int i = 0; i < POLLS; i++) {
                pollsStarted = i + 1;
                Integer e = queue.poll();
                if (e != null) {
                    polled[polledCount++] = e;
                }
            }
        }

        @Arbiter
        public void arbiter(III_Result r) {
            int verdict = OK;
            int expected = 1;
            for (int i = 0; i < polledCount; i++) {
                if (polled[i] != expected++) {
                    verdict = LOST_OR_DUPLICATED;
                }
            }
            int left = 0;
            for (Integer e; (e = queue.poll()) != null; ) {
                left++;
                if (e != expected++) {
                    verdict = LOST_OR_DUPLICATED;
                }
            }
            if (expected - 1 != accepted) {
                verdict = LOST_OR_DUPLICATED;
            }
            if (verdict == OK && (overflowSeen || left > CAPACITY)) {
                verdict = OVER_CAPACITY;
            }
            r.r1 = accepted;
            r.r2 = polledCount;
            r.r3 = verdict;
        }
    }
}
