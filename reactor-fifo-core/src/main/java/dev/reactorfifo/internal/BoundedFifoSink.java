package dev.reactorfifo.internal;

import dev.reactorfifo.BrokenPipeException;
import dev.reactorfifo.FifoSink;
import dev.reactorfifo.NamedPipe;
import dev.reactorfifo.WriteOptions;
import java.util.concurrent.CancellationException;
import java.util.concurrent.atomic.AtomicLong;
import reactor.core.Disposable;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;

/**
 * {@link FifoSink}: a serialized {@code Sinks.many().unicast()} over a queue of exactly
 * {@code bufferSize} lines, feeding {@link FifoWriteMono}, which is subscribed at construction.
 * Using Reactor's own sink gives the {@code EmitResult} contract exactly, including
 * {@code FAIL_NON_SERIALIZED} and {@code FAIL_CANCELLED}.
 */
public final class BoundedFifoSink implements FifoSink {

    private final String path;
    private final Sinks.Many<String> lines;
    private final Sinks.Empty<Void> done = Sinks.empty();
    private final AtomicLong accepted = new AtomicLong();
    private final AtomicLong written = new AtomicLong();
    private final Disposable writing;

    public BoundedFifoSink(NamedPipe pipe, WriteOptions options) {
        this.path = pipe.path().toString();
        this.lines = Sinks.many().unicast().onBackpressureBuffer(new ExactCapacityQueue<>(options.bufferSize()));
        this.writing = new FifoWriteMono(lines.asFlux(), path, options, written)
                .subscribe(null, this::failed, () -> done.tryEmitEmpty());
    }

    @Override
    public Sinks.EmitResult tryEmitNext(String line) {
        if (line.indexOf('\n') >= 0 || line.indexOf('\r') >= 0) {
            throw new IllegalArgumentException(path + ": a line must not contain \\n or \\r, which would split"
                    + " it into several lines at the reader");
        }
        Sinks.EmitResult result = lines.tryEmitNext(line);
        if (result == Sinks.EmitResult.OK) {
            accepted.incrementAndGet();
        }
        return result;
    }

    @Override
    public Sinks.EmitResult tryEmitComplete() {
        return lines.tryEmitComplete();
    }

    @Override
    public Sinks.EmitResult tryEmitError(Throwable error) {
        return lines.tryEmitError(error);
    }

    @Override
    public Mono<Void> done() {
        return done.asMono();
    }

    @Override
    public void dispose() {
        if (writing.isDisposed()) {
            return;
        }
        writing.dispose();
        // the cancelled writer signals nothing, but done() promises an outcome
        done.tryEmitError(new CancellationException(path + ": the sink was disposed; " + counts()));
    }

    @Override
    public boolean isDisposed() {
        return writing.isDisposed();
    }

    private void failed(Throwable error) {
        long w = written.get();
        String counts = counts();
        Throwable reported;
        if (error instanceof BrokenPipeException) {
            reported = new BrokenPipeException(path + ": the reader went away (broken pipe); " + counts, w);
            reported.initCause(error);
        } else {
            reported = error;
            reported.addSuppressed(new FifoSinkOutcome(path + ": " + counts));
        }
        done.tryEmitError(reported);
    }

    private String counts() {
        long w = written.get();
        long dropped = Math.max(0, accepted.get() - w);
        return w + " lines were written, " + dropped + " accepted lines were dropped unwritten";
    }

    /** Attached to a failure of the sink to say how far it got. */
    static final class FifoSinkOutcome extends Exception {
        private static final long serialVersionUID = 1L;

        FifoSinkOutcome(String message) {
            super(message, null, false, false);
        }
    }
}
