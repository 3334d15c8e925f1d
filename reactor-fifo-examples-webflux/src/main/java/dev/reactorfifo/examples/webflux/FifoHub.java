package dev.reactorfifo.examples.webflux;

import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import dev.reactorfifo.NamedPipe;
import dev.reactorfifo.ReadOptions;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.context.SmartLifecycle;
import org.springframework.stereotype.Component;
import reactor.core.Disposable;
import reactor.core.publisher.BufferOverflowStrategy;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;
import reactor.util.retry.Retry;

/**
 * Reads the FIFO once and fans its lines out to every client.
 *
 * <pre>
 *  pipe.lines(follow)  --subscribe(unbounded)-->  replay sink (last N lines)
 *                                                   |-- filter --> bounded drop-oldest buffer --> client 1
 *                                                   |-- filter --> bounded drop-oldest buffer --> client 2
 * </pre>
 *
 * <ul>
 *   <li>The one subscription to the FIFO requests everything ({@code subscribe(Consumer)}), so
 *       clients never backpressure the FIFO or its writers.</li>
 *   <li>The replay sink keeps the last {@code live.history} lines for new clients. Every
 *       subscriber of the sink is an {@code onBackpressureBuffer}, which itself requests
 *       everything: the sink never waits for a slow client, and no client lags behind it. (A
 *       lagging subscriber of a size-bound replay sink would keep every line since its position
 *       alive.)</li>
 *   <li>Each client's buffer holds at most {@code live.client-buffer} lines; when the client
 *       (in the end its TCP connection) does not take them, the oldest go, and the next event the
 *       client gets is a {@link Dropped} with how many.</li>
 *   <li>A client that goes away cancels its chain, which unsubscribes it from the sink at once.</li>
 * </ul>
 */
@Component
public class FifoHub implements SmartLifecycle {

    private static final Logger log = LoggerFactory.getLogger(FifoHub.class);

    /** What a client receives: a line of the FIFO, or how many it missed. */
    public sealed interface ClientEvent permits Line, Dropped {}

    /** A line, with its number since the application started (1, 2, ...). */
    public record Line(long seq, String text) implements ClientEvent {}

    /** {@code count} lines (after the client's filter) were dropped for this client since its last event. */
    public record Dropped(long count) implements ClientEvent {}

    private final NamedPipe pipe;
    private final LiveViewProperties properties;
    private final Sinks.Many<Line> recent;
    private final AtomicLong seq = new AtomicLong();
    private final AtomicInteger clients = new AtomicInteger();
    private final Counter linesRead;
    private final Counter linesDropped;
    private volatile @Nullable Disposable reading;
    private volatile @Nullable String lastError;

    public FifoHub(@Value("${fifo:/tmp/live.fifo}") Path fifo, LiveViewProperties properties, MeterRegistry registry)
            throws IOException {
        // mkfifo rw------- if absent; refuses a non-FIFO, or a FIFO of another user or wider than rw-------
        this.pipe = NamedPipe.createIfAbsent(fifo);
        this.properties = properties;
        this.recent = Sinks.many().replay().limit(properties.history());
        String path = pipe.path().toString();
        this.linesRead = Counter.builder("fifo.lines.read")
                .description("lines read from the FIFO").tag("fifo", path).register(registry);
        this.linesDropped = Counter.builder("fifo.lines.dropped")
                .description("lines dropped for clients that did not keep up, summed over clients")
                .tag("fifo", path).register(registry);
        Gauge.builder("fifo.clients", clients, AtomicInteger::get)
                .description("clients connected to /lines").tag("fifo", path).register(registry);
    }

    public NamedPipe pipe() {
        return pipe;
    }

    /** Clients connected now. */
    public int clients() {
        return clients.get();
    }

    /** Lines read from the FIFO since start. */
    public long linesRead() {
        return seq.get();
    }

    /** The last read error (the read is then restarted), or null. */
    public @Nullable String lastError() {
        return lastError;
    }

    public boolean isReading() {
        Disposable r = reading;
        return r != null && !r.isDisposed();
    }

    /**
     * One client's stream: the recent lines, then the live ones, containing {@code contains}
     * (all when null or empty), after line number {@code afterSeq} (an SSE client's
     * {@code Last-Event-ID} when it reconnects, else 0).
     */
    public Flux<ClientEvent> events(@Nullable String contains, long afterSeq) {
        AtomicLong lost = new AtomicLong();
        Flux<Line> lines = recent.asFlux();
        // an id from before a restart of this application (numbers start again at 1) is ignored
        if (afterSeq > 0 && afterSeq <= seq.get()) {
            lines = lines.filter(line -> line.seq() > afterSeq);
        }
        if (contains != null && !contains.isEmpty()) {
            lines = lines.filter(line -> line.text().contains(contains));
        }
        return lines
                .onBackpressureBuffer(properties.clientBuffer(), oldest -> {
                    lost.incrementAndGet();
                    linesDropped.increment();
                }, BufferOverflowStrategy.DROP_OLDEST)
                // one line at a time out of the buffer (prefetch 0), so that everything still
                // waiting is in the bounded buffer, and a drop count taken here covers exactly the
                // lines lost between the previous event and this line
                .<ClientEvent>concatMap(line -> {
                    long missed = lost.getAndSet(0);
                    return missed == 0 ? Mono.just(line) : Flux.<ClientEvent>just(new Dropped(missed), line);
                }, 0)
                .doOnSubscribe(subscription -> clients.incrementAndGet())
                .doFinally(signal -> clients.decrementAndGet());
    }

    private void publish(String text) {
        lastError = null;
        linesRead.increment();
        Sinks.EmitResult result = recent.tryEmitNext(new Line(seq.incrementAndGet(), text));
        if (result.isFailure()) {
            // only one thread ever emits (the FIFO's reader) and a replay sink has no overflow
            log.warn("Line not handed to clients: {}", result);
        }
    }

    @Override
    public synchronized void start() {
        if (isReading()) {
            return;
        }
        ReadOptions options = ReadOptions.defaults().follow(true).maxLineLength(properties.maxLineLength());
        reading = pipe.lines(options)
                .doOnError(error -> {
                    lastError = String.valueOf(error);
                    log.warn("Reading {} failed, reading it again in {}: {}", pipe.path(), properties.retryDelay(), error.toString());
                })
                // follow mode never completes; an error (a line too long, the FIFO deleted) is not
                // the end of the live view: read again, from the next byte
                .retryWhen(Retry.fixedDelay(Long.MAX_VALUE, properties.retryDelay()))
                .subscribe(this::publish, error -> log.error("Stopped reading {}", pipe.path(), error));
        log.info("Reading {} in follow mode; {} recent lines for new clients, {} lines buffered per client",
                pipe.path(), properties.history(), properties.clientBuffer());
    }

    @Override
    public synchronized void stop() {
        Disposable r = reading;
        if (r != null) {
            r.dispose();
        }
        recent.tryEmitComplete();
    }

    @Override
    public boolean isRunning() {
        return isReading();
    }
}
