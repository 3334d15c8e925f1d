package dev.reactorfifo.internal;

import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.Expect;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.III_Result;

/**
 * {@link FifoDrain}'s work-in-progress counter and task state (IDLE, QUEUED, RUNNING,
 * TAKEN_BY_CANCEL), driven through a {@link CountingDrain} on a {@link ManualScheduler}: the
 * scheduler's worker is an actor, or the scheduler rejects. In every test the violations
 * (the last result) are 0 unless drain() ran on two threads at once (1) or after the resources
 * were released (2).
 */
public class FifoDrainStressTest {

    /**
     * A drain task is queued; the scheduler's worker runs it while the subscriber cancels.
     * Result: releases, drain runs, violations.
     *
     * <p>Forbidden: the resources released twice or never, drain() after the release, drain()
     * on both threads.
     *
     * <p>Run against a broken copy ({@code -m quick -sc false}): with {@code run()}'s
     * {@code if (!TASK.compareAndSet(this, QUEUED, RUNNING)) return;} replaced by a plain
     * {@code task = RUNNING;} (the worker no longer sees that a cancel took its task), jcstress
     * reported the forbidden outcomes "2, 1, 2" (30% of the samples: released by the cancel,
     * drained after that and released again) and "2, 1, 0" (released under the running drain).
     */
    @JCStressTest
    @Outcome(id = "1, 0, 0", expect = Expect.ACCEPTABLE, desc = "the cancel took the queued task and released")
    @Outcome(id = "1, 1, 0", expect = Expect.ACCEPTABLE, desc = "the task ran, then the cancel released, or the run saw the cancel")
    @Outcome(id = "1, 2, 0", expect = Expect.ACCEPTABLE, desc = "the cancel came during the run, which ran again and released")
    @Outcome(id = "0, .*", expect = Expect.FORBIDDEN, desc = "never released after a cancel")
    @Outcome(id = "2, .*", expect = Expect.FORBIDDEN, desc = "released twice")
    @Outcome(expect = Expect.FORBIDDEN, desc = "drain() concurrently or after the release, or any other outcome")
    @State
    public static class QueuedTaskVsCancel {

        final ManualScheduler scheduler = ManualScheduler.running();
        final CountingDrain drain = new CountingDrain(scheduler, false);

        {
            drain.schedule(); // the task is QUEUED on the scheduler, the counter held for it
        }

        @Actor
        public void worker() {
            scheduler.runQueued();
        }

        @Actor
        public void cancel() {
            drain.cancelDrain();
        }

        @Arbiter
        public void arbiter(III_Result r) {
            r.r1 = drain.releases.get();
            r.r2 = drain.runs.get();
            r.r3 = drain.violations();
        }
    }

    /**
     * A signal dispatches the drain to a scheduler that rejects it, while the subscriber cancels:
     * the dispatching thread and the cancel both try to take the task back. Result: releases,
     * onError calls, violations.
     *
     * <p>Forbidden: released twice or never, more than one onError, drain() running at all (the
     * task never ran).
     *
     * <p>Run against a broken copy ({@code -m quick -sc false}): with {@code dispatch()}'s
     * {@code if (TASK.compareAndSet(this, QUEUED, RUNNING))} around {@code failOffThePoller(e)}
     * removed (the rejected dispatcher fails the stream whether or not a cancel took the task),
     * jcstress reported the forbidden outcomes "2, 0, 0" and "2, 1, 0": released twice (and the
     * second failure dropped to onErrorDropped).
     */
    @JCStressTest
    @Outcome(id = "1, 0, 0", expect = Expect.ACCEPTABLE, desc = "the cancel released (first, or taking the rejected task); no onError after a cancel")
    @Outcome(id = "1, 1, 0", expect = Expect.ACCEPTABLE, desc = "the rejection failed the stream before the cancel")
    @Outcome(id = "0, .*", expect = Expect.FORBIDDEN, desc = "never released")
    @Outcome(id = "2, .*", expect = Expect.FORBIDDEN, desc = "released twice")
    @Outcome(expect = Expect.FORBIDDEN, desc = "onError twice, a drain run, or any other outcome")
    @State
    public static class RejectedDispatchVsCancel {

        final CountingDrain drain = new CountingDrain(ManualScheduler.rejecting(), false);

        @Actor
        public void signal() {
            drain.schedule();
        }

        @Actor
        public void cancel() {
            drain.cancelDrain();
        }

        @Arbiter
        public void arbiter(III_Result r) {
            r.r1 = drain.releases.get();
            r.r2 = drain.errors.get();
            r.r3 = drain.runs.get() == 0 ? drain.violations() : 4;
        }
    }

    /**
     * An emitting thread runs the drain inline (signal()) while the poller's resume schedules it
     * and the scheduler's worker runs the task. Each actor sets its flag before it signals.
     * Result: which flags some drain run saw (bit 1 the inline signal's, bit 2 the scheduled
     * one's), drain runs, violations.
     *
     * <p>Forbidden: a signal whose flag no drain run saw (a lost wake-up), drain() on both threads
     * at once.
     *
     * <p>Run against two broken copies ({@code -m quick -sc false}): with {@code signal()}'s
     * {@code missed = WIP.addAndGet(this, -missed); if (missed == 0) return;} replaced by
     * {@code if (missed != 0) { WIP.set(this, 0); return; }} (the inline loop drops the signals
     * that came during its round), jcstress reported the forbidden outcome "1, 1, 0" (4% of the
     * samples: the scheduled signal lost); with {@code signal()}'s
     * {@code if (WIP.getAndIncrement(this) != 0) return;} reduced to the increment (it drains
     * whatever the counter), "3, 4, 1" (41%: drain() on two threads) and "3, 4, 0".
     */
    @JCStressTest
    @Outcome(id = "3, 2, 0", expect = Expect.ACCEPTABLE, desc = "both signals served, one drain run each, one thread at a time")
    @Outcome(id = "3, 1, 0", expect = Expect.ACCEPTABLE_INTERESTING, desc = "both signals served by one run")
    @Outcome(id = "[012], .*", expect = Expect.FORBIDDEN, desc = "a signal lost: no drain run saw it")
    @Outcome(expect = Expect.FORBIDDEN, desc = "drain() on two threads at once, or any other outcome")
    @State
    public static class InlineSignalVsScheduledDrain {

        final ManualScheduler scheduler = ManualScheduler.running();
        final CountingDrain drain = new CountingDrain(scheduler, true);

        @Actor
        public void emitter() {
            drain.signalA = true;
            drain.signal();
        }

        @Actor
        public void resumeAndWorker() {
            drain.signalB = true;
            drain.schedule();
            scheduler.runQueued();
        }

        @Arbiter
        public void arbiter(III_Result r) {
            scheduler.runQueued(); // nothing may be left; if something is, it runs and is counted
            r.r1 = (drain.seenA ? 1 : 0) | (drain.seenB ? 2 : 0);
            r.r2 = drain.runs.get();
            r.r3 = drain.violations();
        }
    }

    /**
     * An emitting thread runs the drain inline while the subscriber cancels. Result: releases,
     * drain runs, violations.
     *
     * <p>Forbidden: released twice or never, drain() after the release.
     *
     * <p>Run against a broken copy ({@code -m quick -sc false}): with {@code cancelDrain()}'s
     * {@code || TASK.compareAndSet(this, QUEUED, TAKEN_BY_CANCEL)} replaced by
     * {@code || task != RUNNING} (it takes any task not RUNNING for a free one, and the inline
     * drain's task is IDLE), jcstress reported the forbidden outcomes "2, 1, 0", "2, 1, 2",
     * "2, 2, 0" and "2, 2, 2" (57% of the samples together): released under the running inline
     * drain, which released again, sometimes after draining past the release.
     */
    @JCStressTest
    @Outcome(id = "1, 0, 0", expect = Expect.ACCEPTABLE, desc = "the cancel came first and released")
    @Outcome(id = "1, 1, 0", expect = Expect.ACCEPTABLE, desc = "the drain ran, then the cancel released, or the run saw the cancel")
    @Outcome(id = "1, 2, 0", expect = Expect.ACCEPTABLE, desc = "the cancel came during the run, which ran again and released")
    @Outcome(id = "0, .*", expect = Expect.FORBIDDEN, desc = "never released after a cancel")
    @Outcome(id = "2, .*", expect = Expect.FORBIDDEN, desc = "released twice")
    @Outcome(expect = Expect.FORBIDDEN, desc = "drain() after the release, or any other outcome")
    @State
    public static class InlineSignalVsCancel {

        final CountingDrain drain = new CountingDrain(ManualScheduler.running(), true);

        @Actor
        public void emitter() {
            drain.signal();
        }

        @Actor
        public void cancel() {
            drain.cancelDrain();
        }

        @Arbiter
        public void arbiter(III_Result r) {
            r.r1 = drain.releases.get();
            r.r2 = drain.runs.get();
            r.r3 = drain.violations();
        }
    }
}
