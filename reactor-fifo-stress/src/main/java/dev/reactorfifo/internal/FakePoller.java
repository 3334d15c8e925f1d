package dev.reactorfifo.internal;

import java.util.concurrent.atomic.AtomicInteger;

/**
 * A {@link Poller} that makes no system call: arm and forget only count, and its thread (which
 * {@link Poller#register} starts) sleeps instead of waiting in epoll; the test's "poller" actor
 * calls {@link Waiter#fire} itself. One per JVM, as the real one: each test's waiter is closed
 * (unregistered) by its arbiter, so the poller's map does not grow and its thread ends when idle.
 */
final class FakePoller extends Poller {

    static final FakePoller INSTANCE = new FakePoller();

    final AtomicInteger arms = new AtomicInteger();
    final AtomicInteger forgets = new AtomicInteger();

    private FakePoller() {
    }

    @Override
    void open() {
    }

    @Override
    void closed() {
    }

    @Override
    void arm(Waiter waiter, int fd, int events, int sequence) {
        arms.incrementAndGet();
    }

    @Override
    void forget(Waiter waiter, int fd) {
        forgets.incrementAndGet();
    }

    @Override
    void waitAndFire(int timeoutMillis) {
        try {
            Thread.sleep(timeoutMillis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
