package dev.reactorfifo;

import reactor.core.Disposable;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;

/**
 * A hot, push-style writer of lines into a FIFO, made by {@link NamedPipe#sink()}. It behaves
 * like a Reactor {@link Sinks.Many}: the {@code tryEmit} methods never block and answer with an
 * {@link Sinks.EmitResult}; at most {@link WriteOptions#bufferSize(int)} accepted lines are not
 * yet written at any time.
 *
 * <p><b>Threads.</b> A line is checked, encoded and staged on the emitting thread, which also
 * writes with non-blocking {@code write(2)}s when no other thread is writing: a lone line or a
 * reply reaches the pipe at once, without waking any other thread. Staged lines are written in
 * chunks of whole lines ({@code PIPE_BUF} bytes with atomic writes), as soon as they are full,
 * up to four back to back while a burst goes on (a reader faster than the emitting thread then
 * wakes once per group, not once per chunk), so a burst from one thread becomes few large
 * writes; what is staged when the reader has not
 * read what was written before, or while a burst goes on, is written by a deferred flush on the
 * options' scheduler (at the next free moment, and while a burst keeps filling chunks, looking
 * again every millisecond). A full pipe hands the rest to the scheduler once the shared poller
 * reports room; the emitting thread never waits.
 *
 * <p>The FIFO is opened (waiting for a reader by default) as soon as the sink is created; lines
 * emitted before that are queued. {@link #dispose()} cancels: queued lines are dropped, a wait for
 * a reader or for room in the pipe is released, and the descriptor is closed.
 */
public interface FifoSink extends Disposable {

    /**
     * Queues one line (without terminator) for writing, and writes it at once on this thread
     * when no other thread is writing. Never blocks.
     *
     * <p>Calls must not overlap, as with every Reactor sink ({@code FAIL_NON_SERIALIZED}). The
     * line is queued before this call writes it, and the call stops counting as "emitting" then:
     * a peer's answer that reaches another of your threads while this one is still writing can be
     * emitted from there and joins the write in flight.
     *
     * @param line the line; it must not contain {@code \n} or {@code \r}, or, with another
     *     {@link WriteOptions#delimiter(String) delimiter}, what a reader with that delimiter
     *     would split at
     * @return {@code OK} when accepted, {@code FAIL_OVERFLOW} when {@code bufferSize} accepted
     *     lines are not written yet (wait with {@link #whenWritable()}),
     *     {@code FAIL_NON_SERIALIZED} when another thread is emitting at the same moment,
     *     {@code FAIL_TERMINATED} after complete or error (or after the writer failed: see
     *     {@link #done()}), {@code FAIL_CANCELLED} after {@link #dispose()}
     * @throws IllegalArgumentException if the line contains {@code \n} or {@code \r} (or the
     *     delimiter set in the options), or a character the charset cannot encode; nothing of it
     *     is queued and the sink stays usable
     */
    Sinks.EmitResult tryEmitNext(String line);

    /**
     * Emits one line, retrying as {@code failureHandler} says, as Reactor's
     * {@link Sinks.Many#emitNext(Object, Sinks.EmitFailureHandler)} does: a handler that, on a
     * thread that may block, waits for {@link #whenWritable()} and answers {@code true} for
     * {@code FAIL_OVERFLOW} waits for room in a full queue, for instance ({@code Sinks.EmitFailureHandler.busyLooping} retries only
     * {@code FAIL_NON_SERIALIZED}). When the handler gives up on {@code FAIL_OVERFLOW}, the sink ends
     * with an overflow error (see {@link #done()}); on {@code FAIL_TERMINATED} or
     * {@code FAIL_CANCELLED} the line is dropped.
     *
     * @param line the line, as for {@link #tryEmitNext(String)}
     * @param failureHandler decides, for each failed attempt, whether to try again
     * @throws IllegalArgumentException as {@link #tryEmitNext(String)} does
     * @throws Sinks.EmissionException when the handler gives up on {@code FAIL_NON_SERIALIZED}
     */
    void emitNext(String line, Sinks.EmitFailureHandler failureHandler);

    /**
     * Completes once the sink has room again: at once if at most half of
     * {@link WriteOptions#bufferSize(int) bufferSize} accepted lines are unwritten, else when the
     * writer has written enough of them (not at the first free place, so that an emitter waiting
     * after each {@code FAIL_OVERFLOW} sleeps once per half buffer of lines, not once per line).
     * A caller that comes while another already waits joins that wait and may be let go a little
     * earlier; like any caller, it asks again if its next emit overflows. It also completes, at
     * once or when it happens, once the sink has ended (completed, failed or disposed): the next
     * {@link #tryEmitNext} then answers how, and {@link #done()} why. It never fails.
     *
     * <p>This is how an emitter waits for room without spinning, retrying the refused line:
     * {@code while (sink.tryEmitNext(line) == FAIL_OVERFLOW) sink.whenWritable().block();} on a
     * thread that may block, or {@code sink.whenWritable().then(Mono.fromRunnable(retry))} on one
     * that may not. It answers for the lines accepted by emits that returned before the
     * subscription (ask from the emitting thread, after the refused emit).
     *
     * <p><b>Threads.</b> The subscription checks and, if there is no room, registers. The
     * completion is signalled on the subscribing thread if there is room already or the sink has
     * ended; else on the thread whose write made room (the options' scheduler, or another
     * thread's {@code tryEmitNext}, inside that call), or on the thread that ends the sink
     * ({@code tryEmitComplete}, {@code tryEmitError}, {@code dispose()}, or the writer's when it
     * fails). Never block in it, and never wait there for this sink (its writes cannot go on
     * while that thread waits): move such work elsewhere with {@code publishOn}.
     *
     * @return a Mono that completes empty once the sink can take lines again, or has ended
     */
    Mono<Void> whenWritable();

    /**
     * Ends the stream: queued lines are written, then the descriptor is closed and {@link #done()}
     * completes.
     *
     * @return {@code OK}, or why the completion was not accepted
     */
    Sinks.EmitResult tryEmitComplete();

    /**
     * Ends the stream with an error: lines queued before it are still written, then the
     * descriptor is closed and {@link #done()} fails with {@code error}; also when the writer
     * fails meanwhile (the reader goes away before those lines are written): that failure, such
     * as a {@link BrokenPipeException}, and the counts are then suppressed in {@code error}.
     *
     * @param error the error {@link #done()} fails with
     * @return {@code OK}, or why the error was not accepted
     */
    Sinks.EmitResult tryEmitError(Throwable error);

    /**
     * Completes when every accepted line was written and the descriptor closed; fails with the
     * reason otherwise (the FIFO could not be opened, the reader went away, {@link #tryEmitError},
     * or a {@link java.util.concurrent.CancellationException} after {@link #dispose()}).
     * A failure says how many lines were written and how many accepted lines (queued, or in the
     * batch being written) were dropped unwritten: in its message for a broken pipe and after
     * {@code dispose()}, else in a suppressed exception (the error itself, such as a
     * {@link java.nio.file.NoSuchFileException} or {@link NoReaderException}, keeps its type).
     * Late subscribers get the same outcome.
     *
     * @return a Mono of the sink's outcome: empty completion once everything accepted was
     *     written, or the error that ended it
     */
    Mono<Void> done();
}
