package dev.reactorfifo.internal;

import java.io.IOException;

/**
 * How a subscription waits for its descriptor: blocking in {@code poll(2)} on its scheduler
 * thread ({@link WakeablePoller}), or by registering with the shared poller thread and returning
 * {@link #PENDING} ({@link SharedPoller.Waiter}), in which case the subscription's resume action
 * runs once the descriptor is ready and the caller tries again.
 *
 * <p>One caller thread at a time; {@link #wakeup()} from any thread.
 */
interface ReadinessWaiter extends AutoCloseable {

    /** Cancelled by {@link #wakeup()}: this and every later wait return it. */
    int CANCELLED = -1;
    /** Not ready yet: the resume action will run when it is; call again then. */
    int PENDING = -2;
    /** {@link #pause} is over. */
    int ELAPSED = 0;

    /**
     * @return the {@code revents} of {@code fd} (positive), {@link #CANCELLED} or {@link #PENDING}
     */
    int await(int fd, int events) throws IOException;

    /** Waits about {@code millis} ms. @return {@link #ELAPSED}, {@link #CANCELLED} or {@link #PENDING} */
    int pause(int millis) throws IOException;

    /** Cancels the current and every later wait. Any thread, any number of times. */
    void wakeup();

    /** Closes {@code fd}, first making sure no poller will look at it again. */
    void closeDescriptor(int fd);

    @Override
    void close();
}
