package dev.reactorfifo;

import reactor.core.Disposable;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;

/**
 * A hot, push-style writer of lines into a FIFO, made by {@link NamedPipe#sink()}. It behaves
 * like a Reactor {@link Sinks.Many}: the {@code tryEmit} methods never block and answer with an
 * {@link Sinks.EmitResult}; the lines go through a bounded queue of
 * {@link WriteOptions#bufferSize(int)} lines to a writer running on the options' scheduler.
 *
 * <p>The FIFO is opened (waiting for a reader by default) as soon as the sink is created; lines
 * emitted before that are queued. {@link #dispose()} cancels: queued lines are dropped, a wait for
 * a reader or for room in the pipe is released, and the descriptor is closed.
 */
public interface FifoSink extends Disposable {

    /**
     * Queues one line (without terminator) for writing. Never blocks.
     *
     * <p>Calls must not overlap, as with every Reactor sink. Mind a reply: when the writer has
     * been idle, the calling thread itself writes the line with a non-blocking write before this
     * method returns (the lowest latency), so a peer's answer to it can reach another of your
     * threads while this call is still returning. If that thread emits in turn, it gets
     * {@code FAIL_NON_SERIALIZED}: retry on it (Reactor's
     * {@code Sinks.EmitFailureHandler.busyLooping}) or emit from one thread.
     *
     * @param line the line; it must not contain {@code \n} or {@code \r}
     * @return {@code OK} when queued, {@code FAIL_OVERFLOW} when the queue is full,
     *     {@code FAIL_NON_SERIALIZED} when another thread is emitting at the same moment,
     *     {@code FAIL_TERMINATED} after complete or error, {@code FAIL_CANCELLED} after
     *     {@link #dispose()}
     * @throws IllegalArgumentException if the line contains {@code \n} or {@code \r}
     */
    Sinks.EmitResult tryEmitNext(String line);

    /**
     * Ends the stream: queued lines are written, then the descriptor is closed and {@link #done()}
     * completes.
     *
     * @return {@code OK}, or why the completion was not accepted
     */
    Sinks.EmitResult tryEmitComplete();

    /**
     * Ends the stream with an error: lines queued before it are still written, then the
     * descriptor is closed and {@link #done()} fails with {@code error}.
     *
     * @return {@code OK}, or why the error was not accepted
     */
    Sinks.EmitResult tryEmitError(Throwable error);

    /**
     * Completes when every accepted line was written and the descriptor closed; fails with the
     * reason otherwise (the FIFO could not be opened, the reader went away, {@link #tryEmitError},
     * or a {@link java.util.concurrent.CancellationException} after {@link #dispose()}).
     * A failure's message says how many lines were written and how many accepted lines (queued, or in
     * the batch being written) were dropped unwritten.
     * Late subscribers get the same outcome.
     */
    Mono<Void> done();
}
