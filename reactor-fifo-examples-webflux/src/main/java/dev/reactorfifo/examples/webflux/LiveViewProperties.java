package dev.reactorfifo.examples.webflux;

import java.time.Duration;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Tuning of the live view, under {@code live.*}. The FIFO's path itself is the top-level
 * property {@code fifo} (so that {@code --fifo=/tmp/live.fifo} works); it cannot live under a
 * prefix that is also a value.
 *
 * @param history         lines a new client gets first, the most recent ones
 * @param clientBuffer    lines held for one client that is not reading: beyond that its oldest
 *                        lines are dropped and it is told how many
 * @param maxLineLength   bytes in one line; longer lines fail the read, which is restarted. With
 *                        {@code clientBuffer} it bounds the memory of a stalled client
 * @param retryDelay      pause before the FIFO is read again after the read failed
 */
@ConfigurationProperties("live")
public record LiveViewProperties(
        @DefaultValue("100") int history,
        @DefaultValue("256") int clientBuffer,
        @DefaultValue("65536") int maxLineLength,
        @DefaultValue("1s") Duration retryDelay) {

    public LiveViewProperties {
        if (history < 1 || clientBuffer < 1 || maxLineLength < 1) {
            throw new IllegalArgumentException("live.history, live.client-buffer and live.max-line-length must be positive");
        }
    }
}
