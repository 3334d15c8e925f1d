package dev.reactorfifo.internal;

import java.util.concurrent.atomic.AtomicInteger;
import reactor.util.context.Context;

/**
 * The smallest {@link FifoDrain}: its {@link #drain()} does what the real ones do on a cancel
 * (stops, which releases) and otherwise counts the run and notes which signals it has seen; it
 * records every violation of the drain's contract instead of throwing, for the arbiter to report.
 */
final class CountingDrain extends FifoDrain {

    private final boolean inline;
    private final AtomicInteger inDrain = new AtomicInteger();
    final AtomicInteger runs = new AtomicInteger();
    final AtomicInteger releases = new AtomicInteger();
    final AtomicInteger errors = new AtomicInteger();
    /** drain() ran on two threads at once. */
    volatile boolean overlapped;
    /** drain() ran after releaseResources(). */
    volatile boolean drainedAfterRelease;

    /** Set by the signalling actors before they signal; what a drain run has seen of them. */
    volatile boolean signalA;
    volatile boolean signalB;
    volatile boolean seenA;
    volatile boolean seenB;

    CountingDrain(ManualScheduler scheduler, boolean inline) {
        super(scheduler);
        this.inline = inline;
    }

    @Override
    void drain() {
        if (inDrain.incrementAndGet() != 1) {
            overlapped = true;
        }
        if (releases.get() != 0) {
            drainedAfterRelease = true;
        }
        runs.incrementAndGet();
        if (signalA) {
            seenA = true;
        }
        if (signalB) {
            seenB = true;
        }
        if (isCancelled()) {
            stop(); // what FifoReadFlux's and FifoWriteMono's drains do on a cancel
        }
        inDrain.decrementAndGet();
    }

    @Override
    void releaseResources() {
        releases.incrementAndGet();
    }

    @Override
    void signalError(Throwable error) {
        errors.incrementAndGet();
    }

    @Override
    Context context() {
        return Context.empty();
    }

    @Override
    boolean mayRunInline() {
        return inline;
    }

    /** 0 when no contract was broken, else a bit per violation: 1 overlap, 2 drain after release. */
    int violations() {
        return (overlapped ? 1 : 0) | (drainedAfterRelease ? 2 : 0);
    }
}
