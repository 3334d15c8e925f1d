package dev.reactorfifo.internal;

import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * The Linux poller: one epoll instance for the process, descriptors registered one-shot
 * ({@code EPOLLONESHOT}).
 *
 * <p>Why one-shot rather than edge-triggered: a subscription waits only when it wants to read or
 * write (demand, data to write), and each wait is one {@code epoll_ctl} that arms exactly one
 * answer. Edge-triggered registration would keep reporting FIFOs that nobody waits for (a reader
 * without demand), and each such event would need state to remember or discard it. With one-shot
 * an event always answers a wait that is still wanted, arming or cancelling rebuilds nothing
 * (the kernel keeps the interest list), and the work of a wake-up is proportional to the FIFOs
 * that are ready, not to those registered.
 *
 * <p>The event's data is the waiter's id and the arm's sequence number, never the descriptor, so
 * an event that was already collected when its descriptor was closed (and the number reused by
 * another FIFO) is recognised as stale. The epoll descriptor is created once, close-on-exec, and
 * kept for the life of the process: closing it while another thread arms would hand that thread a
 * number that may belong to something else by then.
 */
final class EpollPoller extends Poller {

    private static final int MAX_EVENTS = 256;
    /** Bits of the event data holding the arm's sequence number; the waiter id is above them. */
    private static final int SEQUENCE_BITS = Integer.bitCount(Waiter.SEQUENCE_MASK);

    private volatile int epfd = -1;
    private final ByteBuffer events = Posix.allocateEpollEvents(MAX_EVENTS);

    @Override
    void open() throws IOException {
        if (epfd < 0) {
            epfd = Posix.epollCreate();
        }
    }

    @Override
    void closed() {
        // the epoll descriptor stays: see the class comment
    }

    @Override
    void arm(Waiter waiter, int fd, int events, int sequence) throws IOException {
        long data = (waiter.id() << SEQUENCE_BITS) | sequence;
        int interest = (events & 0xFFFF) | Posix.EPOLLONESHOT;
        boolean known = waiter.registeredFd() == fd;
        int rc = Posix.epollCtl(epfd, known ? Posix.EPOLL_CTL_MOD : Posix.EPOLL_CTL_ADD, fd, interest, data);
        if (rc == -Posix.EEXIST || rc == -Posix.ENOENT) {
            // the kernel knows better than our bookkeeping (the same open file armed by another
            // waiter, or a registration the kernel dropped): do what it asks, once
            rc = Posix.epollCtl(epfd, rc == -Posix.EEXIST ? Posix.EPOLL_CTL_MOD : Posix.EPOLL_CTL_ADD, fd, interest, data);
        }
        if (rc < 0) {
            throw new IOException("epoll_ctl(2) failed for descriptor " + fd + ": " + Posix.describe(-rc));
        }
        waiter.registeredFd(fd);
    }

    @Override
    void forget(Waiter waiter, int fd) {
        if (waiter.registeredFd() == fd) {
            // explicit, before close: a child process that inherited the descriptor for a moment
            // (fork before exec) would otherwise keep the registration alive
            Posix.epollCtl(epfd, Posix.EPOLL_CTL_DEL, fd, 0, 0);
            waiter.registeredFd(-1);
        }
    }

    @Override
    void waitAndFire(int timeoutMillis) throws IOException {
        int n = Posix.epollWait(epfd, events, MAX_EVENTS, timeoutMillis);
        if (n == -Posix.EINTR) {
            return;
        }
        if (n < 0) {
            throw new IOException("epoll_wait(2) failed: " + Posix.describe(-n));
        }
        for (int i = 0; i < n; i++) {
            long data = Posix.epollToken(events, i);
            Waiter w = waiter(data >>> SEQUENCE_BITS);
            if (w != null) {
                fireSafely(w, Posix.epollEvents(events, i), (int) (data & Waiter.SEQUENCE_MASK));
            }
        }
    }
}
