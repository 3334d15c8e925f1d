package dev.reactorfifo.internal;

import dev.reactorfifo.BrokenPipeException;
import dev.reactorfifo.FifoSink;
import dev.reactorfifo.WriteOptions;
import java.nio.charset.CharacterCodingException;
import java.util.Objects;
import java.util.concurrent.CancellationException;
import java.util.concurrent.atomic.AtomicIntegerFieldUpdater;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BiFunction;
import org.jspecify.annotations.Nullable;
import org.reactivestreams.Subscription;
import reactor.core.CoreSubscriber;
import reactor.core.Fuseable;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Operators;
import reactor.core.publisher.SignalType;
import reactor.core.publisher.Sinks;
import reactor.util.context.Context;

/**
 * {@link FifoSink}: lines are checked and encoded on the emitting thread, queued in a lock-free
 * queue of exactly {@code bufferSize} lines, and written by a {@link FifoWriteMono.WriteSubscriber}
 * fused to that queue (asynchronous fusion: the queue is the writer's own). An emit signals the
 * writer, which writes on the emitting thread when no other thread is writing: no hand-over per
 * line. The writer is subscribed at construction, so the FIFO is opened at once.
 *
 * <p>Emits must not overlap (as with every Reactor sink: {@code FAIL_NON_SERIALIZED}); the
 * emitting flag is released before the writer is signalled, so a reply that another thread emits
 * while this one is still writing is queued and joins the write in flight instead of failing.
 */
public final class BoundedFifoSink implements FifoSink {

    private final String path;
    private final LineEncoder encoder;
    private final ExactCapacityQueue<Object> queue;
    private final Sinks.Empty<Void> done = Sinks.empty();
    private final AtomicLong written = new AtomicLong();
    private final Writer writer;

    private volatile int emitting;
    private static final AtomicIntegerFieldUpdater<BoundedFifoSink> EMITTING =
            AtomicIntegerFieldUpdater.newUpdater(BoundedFifoSink.class, "emitting");
    /**
     * Lines accepted; written by the serialised emitter only, read for the counts in messages
     * (plain: a fence per line is too dear on the emitting path for a figure in an error message).
     */
    private long accepted;
    private volatile boolean terminated;
    private volatile boolean cancelled;
    /** The writer ended, with or without an error. */
    private volatile boolean doneTerminated;

    /** @param noFollow refuse a symbolic link at {@code path} (a FIFO that createIfAbsent checked) */
    public BoundedFifoSink(String path, WriteOptions options, boolean noFollow) {
        this(path, options, (outcome, written) ->
                new FifoWriteMono.WriteSubscriber(outcome, path, options, noFollow, false, written));
    }

    /**
     * For the stress tests (reactor-fifo-stress), which give the sink a fake writer that opens no
     * FIFO; the public constructor passes the real {@link FifoWriteMono.WriteSubscriber}.
     *
     * @param writerFactory makes the writer of the sink's outcome subscriber (the writer reports
     *     its end there) and of the counter of lines written (the writer counts them there); the
     *     writer is then subscribed to the sink's fused line queue
     */
    BoundedFifoSink(String path, WriteOptions options,
            BiFunction<CoreSubscriber<Void>, AtomicLong, Writer> writerFactory) {
        this.path = path;
        this.encoder = new LineEncoder(options.charset(), options.delimiter(), path);
        this.queue = new ExactCapacityQueue<>(options.bufferSize());
        this.writer = writerFactory.apply(new Outcome(), written);
        writer.onSubscribe(new LineSource());
    }

    @Override
    public Sinks.EmitResult tryEmitNext(String line) {
        Objects.requireNonNull(line, "line");
        if (!EMITTING.compareAndSet(this, 0, 1)) {
            return Sinks.EmitResult.FAIL_NON_SERIALIZED;
        }
        try {
            if (terminated) {
                return cancelled ? Sinks.EmitResult.FAIL_CANCELLED : Sinks.EmitResult.FAIL_TERMINATED;
            }
            if (!queue.offer(encode(line))) {
                return Sinks.EmitResult.FAIL_OVERFLOW;
            }
            accepted++; // only the emitter writes it
        } finally {
            emitting = 0;
        }
        writer.onNext(null); // fused: "the queue has lines"; writes here unless another thread is writing
        return Sinks.EmitResult.OK;
    }

    /** Refused at the emit, and the sink stays usable: no half-written line, no later failure. */
    private byte[] encode(String line) {
        try {
            return encoder.encode(line, accepted + 1);
        } catch (CharacterCodingException e) {
            throw new IllegalArgumentException(e.getMessage(), e);
        }
    }

    @Override
    public void emitNext(String line, Sinks.EmitFailureHandler failureHandler) {
        Objects.requireNonNull(failureHandler, "failureHandler");
        for (;;) {
            Sinks.EmitResult result = tryEmitNext(line);
            if (result.isSuccess()) {
                return;
            }
            if (failureHandler.onEmitFailure(SignalType.ON_NEXT, result)) {
                continue;
            }
            switch (result) {
                case FAIL_OVERFLOW:
                    // as Reactor's sinks do: a line that cannot be queued ends the stream with an overflow
                    emitError(reactor.core.Exceptions.failWithOverflow(path
                            + ": the FifoSink's queue is full (bufferSize lines) and the failure handler gave up"),
                            failureHandler);
                    return;
                case FAIL_CANCELLED:
                case FAIL_TERMINATED:
                    return; // the line is dropped, as Reactor's sinks drop it
                default:
                    throw new Sinks.EmissionException(result, "emitNext to " + path + " failed: " + result);
            }
        }
    }

    private void emitError(Throwable error, Sinks.EmitFailureHandler failureHandler) {
        for (;;) {
            Sinks.EmitResult result = tryEmitError(error);
            if (result.isSuccess() || !failureHandler.onEmitFailure(SignalType.ON_ERROR, result)) {
                return;
            }
        }
    }

    @Override
    public Sinks.EmitResult tryEmitComplete() {
        return terminate(null);
    }

    @Override
    public Sinks.EmitResult tryEmitError(Throwable error) {
        return terminate(Objects.requireNonNull(error, "error"));
    }

    private Sinks.EmitResult terminate(@Nullable Throwable error) {
        if (!EMITTING.compareAndSet(this, 0, 1)) {
            return Sinks.EmitResult.FAIL_NON_SERIALIZED;
        }
        try {
            if (terminated) {
                return cancelled ? Sinks.EmitResult.FAIL_CANCELLED : Sinks.EmitResult.FAIL_TERMINATED;
            }
            terminated = true;
        } finally {
            emitting = 0;
        }
        if (error == null) {
            writer.onComplete();
        } else {
            writer.onError(error);
        }
        return Sinks.EmitResult.OK;
    }

    @Override
    public Mono<Void> done() {
        return done.asMono();
    }

    @Override
    public void dispose() {
        if (cancelled) {
            return;
        }
        cancelled = true;
        terminated = true;
        writer.cancel();
        // the cancelled writer signals nothing, but done() promises an outcome
        done.tryEmitError(new CancellationException(path + ": the sink was disposed; " + counts()));
    }

    @Override
    public boolean isDisposed() {
        return cancelled || doneTerminated;
    }

    private String counts() {
        long w = written.get();
        long dropped = Math.max(0, accepted - w);
        return w + " lines were written, " + dropped + " accepted lines were dropped unwritten";
    }

    /**
     * What the sink needs of its writer: a subscriber to the fused line queue (onSubscribe, then
     * onNext(null) for "the queue has lines", onComplete, onError) that {@link #dispose()} can
     * cancel. The real one is {@link FifoWriteMono.WriteSubscriber}; the stress tests have a fake.
     */
    interface Writer extends CoreSubscriber<Object>, Subscription {
    }

    /** The writer's side of the queue: asynchronous fusion, so the queue is the writer's own. */
    private final class LineSource implements Fuseable.QueueSubscription<Object> {

        @Override
        public int requestFusion(int requestedMode) {
            return (requestedMode & Fuseable.ASYNC) != 0 ? Fuseable.ASYNC : Fuseable.NONE;
        }

        @Override
        public @Nullable Object poll() {
            return queue.poll();
        }

        @Override
        public int size() {
            return queue.size();
        }

        @Override
        public boolean isEmpty() {
            return queue.isEmpty();
        }

        @Override
        public void clear() {
            while (queue.poll() != null) {
                // dropped: the writer ended
            }
        }

        @Override
        public void request(long n) {
            // bounded by the queue's capacity: an emit that finds it full answers FAIL_OVERFLOW
        }

        @Override
        public void cancel() {
            // the writer failed (the reader went away, the FIFO could not be opened): refuse more
            // lines with FAIL_TERMINATED, as documented; FAIL_CANCELLED is for dispose()
            terminated = true;
        }
    }

    /** Receives the writer's outcome and turns it into {@link #done()}'s, with the counts. */
    private final class Outcome implements CoreSubscriber<Void> {

        @Override
        public void onSubscribe(Subscription s) {
            s.request(Long.MAX_VALUE);
        }

        @Override
        public void onNext(Void unused) {
        }

        @Override
        public void onError(Throwable error) {
            doneTerminated = true;
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

        @Override
        public void onComplete() {
            doneTerminated = true;
            done.tryEmitEmpty();
        }

        @Override
        public Context currentContext() {
            return Context.empty();
        }
    }

    /** Attached to a failure of the sink to say how far it got. */
    static final class FifoSinkOutcome extends Exception {
        private static final long serialVersionUID = 1L;

        FifoSinkOutcome(String message) {
            super(message, null, false, false);
        }
    }
}
