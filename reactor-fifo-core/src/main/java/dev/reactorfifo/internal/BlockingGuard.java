package dev.reactorfifo.internal;

import reactor.core.scheduler.Schedulers;

/**
 * BlockHound cannot see jnr's native calls, so the library checks for itself that it is about to
 * wait on a thread that may block, and fails the way Reactor's {@code block()} does otherwise.
 */
final class BlockingGuard {

    private BlockingGuard() {
    }

    /** @throws IllegalStateException on a non-blocking thread ({@code parallel()}, {@code single()}) */
    static void requireBlockingAllowed(String what) {
        if (Schedulers.isInNonBlockingThread()) {
            throw new IllegalStateException(what + " would wait on a FIFO on thread "
                    + Thread.currentThread().getName() + ", which is non-blocking; use a scheduler that"
                    + " allows blocking, such as Schedulers.boundedElastic()");
        }
    }
}
