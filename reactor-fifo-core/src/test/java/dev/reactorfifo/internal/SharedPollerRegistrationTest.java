package dev.reactorfifo.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.reactorfifo.NamedPipe;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A waiter that replaces its descriptor (follow mode's reopen) while the poller thread is inside
 * poll(2) with the old one must never be handed the old descriptor's result: once closed, that
 * slot reports POLLNVAL, which the new registration would take for an error.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class SharedPollerRegistrationTest {

    @TempDir
    Path dir;

    @Test
    void aReplacedDescriptorsResultNeverReachesTheNewRegistration() throws Exception {
        String path = NamedPipe.create(dir.resolve("fifo")).path().toString();
        AtomicInteger resumes = new AtomicInteger();
        SharedPoller.Waiter waiter = SharedPoller.INSTANCE.newWaiter(resumes::incrementAndGet);
        int fd = Posix.openForReading(path); // no writer ever comes: never legitimately ready
        int spurious = 0;
        try {
            for (int round = 0; round < 500; round++) {
                assertThat(waiter.await(fd, Posix.POLLIN)).isEqualTo(ReadinessWaiter.PENDING);
                Thread.sleep(0, 200_000); // let the poller enter poll(2) with fd in its set
                int next = Posix.openForReading(path); // reopen: the next descriptor first,
                waiter.closeDescriptor(fd);             // then the old one
                fd = next;
                int before = resumes.get();
                int revents = waiter.await(fd, Posix.POLLIN); // registers again, as a read would
                if (revents == ReadinessWaiter.PENDING) {
                    Thread.sleep(1);
                    if (resumes.get() != before) {
                        revents = waiter.await(fd, Posix.POLLIN);
                    }
                }
                if (revents != ReadinessWaiter.PENDING) {
                    spurious++;
                }
            }
        } finally {
            waiter.closeDescriptor(fd);
            waiter.close();
        }
        assertThat(spurious).as("results delivered for a FIFO nobody wrote to").isZero();
    }
}
