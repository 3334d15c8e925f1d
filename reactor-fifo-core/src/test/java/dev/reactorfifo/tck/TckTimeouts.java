package dev.reactorfifo.tck;

import org.reactivestreams.tck.TestEnvironment;

/** The TCK's waits, sized for real processes on a busy 2-core machine rather than for an in-memory publisher. */
final class TckTimeouts {

    private TckTimeouts() {
    }

    /** How long a rule waits for a signal it expects: a process start and a scheduler hop fit many times over. */
    static final long SIGNAL_MILLIS = 5_000;
    /** How long a rule watches for a signal that must not come. */
    static final long NO_SIGNAL_MILLIS = 300;
    /** The step of the TCK's polling loops. */
    static final long POLL_MILLIS = 20;
    /** How long rule 3.13 lets a cancelled subscription settle before it checks that the subscriber was let go. */
    static final long GC_MILLIS = 1_000;
    /** How long a test waits for {@code writeLines} to subscribe to its upstream. */
    static final long SUBSCRIBE_MILLIS = 5_000;

    static TestEnvironment environment() {
        return new TestEnvironment(SIGNAL_MILLIS, NO_SIGNAL_MILLIS, POLL_MILLIS);
    }
}
