package dev.reactorfifo.examples.webflux;

import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

import org.springframework.boot.health.contributor.AbstractHealthIndicator;
import org.springframework.boot.health.contributor.Health;
import org.springframework.stereotype.Component;

/**
 * {@code /actuator/health/fifo}: UP while the path is a FIFO and the application reads it; DOWN
 * when the path is gone or is not a FIFO. Details: the path, whether a writer is connected now
 * (see {@link WriterProbe}: the library cannot tell), lines read, clients, the last read error.
 * A FIFO without a writer is UP: waiting for the next writer is what a live view does.
 *
 * <p>The check blocks (stat, a walk through /proc); Actuator runs blocking indicators off the
 * event loop.
 */
@Component("fifo")
class FifoHealthIndicator extends AbstractHealthIndicator {

    /** S_IFMT and S_IFIFO of st_mode. */
    private static final int S_IFMT = 0170000;
    private static final int S_IFIFO = 0010000;

    private final FifoHub hub;

    FifoHealthIndicator(FifoHub hub) {
        super("FIFO health check failed");
        this.hub = hub;
    }

    @Override
    protected void doHealthCheck(Health.Builder builder) throws Exception {
        Path path = hub.pipe().path();
        builder.withDetail("path", path.toString());
        int mode;
        try {
            mode = (Integer) Files.getAttribute(path, "unix:mode");
        } catch (NoSuchFileException e) {
            builder.down().withDetail("exists", false);
            return;
        }
        boolean fifo = (mode & S_IFMT) == S_IFIFO;
        builder.withDetail("exists", true).withDetail("isFifo", fifo);
        if (!fifo) {
            builder.down();
            return;
        }
        builder.withDetails(WriterProbe.scan(path).details())
                .withDetail("reading", hub.isReading())
                .withDetail("linesRead", hub.linesRead())
                .withDetail("clients", hub.clients());
        String error = hub.lastError();
        if (error != null) {
            builder.withDetail("lastError", error);
        }
        if (hub.isReading()) {
            builder.up();
        } else {
            builder.down();
        }
    }
}
