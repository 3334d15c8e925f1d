package dev.reactorfifo.internal;

import dev.reactorfifo.BrokenPipeException;
import dev.reactorfifo.FifoSink;
import dev.reactorfifo.WriteOptions;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.charset.CharacterCodingException;
import java.util.Objects;
import java.util.Queue;
import java.util.concurrent.CancellationException;
import java.util.concurrent.atomic.AtomicLong;
import org.jspecify.annotations.Nullable;
import org.reactivestreams.Subscription;
import reactor.core.CoreSubscriber;
import reactor.core.Fuseable;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Operators;
import reactor.core.publisher.SignalType;
import reactor.core.publisher.Sinks;
import reactor.util.concurrent.Queues;
import reactor.util.context.Context;

/**
 * {@link FifoSink}: the emitting thread checks, encodes and stages each line itself, in a
 * {@link LineChunk} of whole lines, and hands the chunk to its {@link FifoWriteMono.WriteSubscriber}
 * once it is full ({@code PIPE_BUF} bytes with atomic writes, or half of {@code bufferSize} lines);
 * the writer takes the lines still staged when it decides to write them: at once when the reader
 * has read everything before (a lone line, a reply), else in one deferred flush that every line
 * staged meanwhile joins. The writer writes on the emitting thread when no other thread is
 * writing. So a line costs a get-and-set and a release store, its encoding and a copy on the
 * emitting thread, and no queue entry or signal to another thread: those are per chunk. (The
 * design before this one queued every line for the writer, which measured a fifth of a
 * {@code BufferedWriter}: the emitting thread and a scheduler thread handed each line across.)
 *
 * <p>One word, {@code open}, holds the staged chunk and serialises the staging: {@code EMPTY}
 * (nothing staged), the chunk, or {@code BUSY} while an emit or a completion holds the chunk. An
 * emit takes the word with one get-and-set: {@code BUSY} back means another emit holds it
 * ({@code FAIL_NON_SERIALIZED}, as Reactor's sinks answer overlapping emits), and it puts the
 * chunk back when done, with a release store: one atomic instruction per line, and no fence
 * (measured in process, 20-byte lines: 36 ns per emit with a field updater's get-and-set and a
 * volatile put-back, 30.5 ns with this). The writer
 * takes the chunk with a compare-and-set from chunk to {@code EMPTY}, so it never holds anything
 * an emit would wait for; a writer that finds {@code BUSY} tries again from a deferred flush, as
 * it takes the staged lines rarely (when the reader waits, or after a burst).
 *
 * <p>{@code bufferSize} bounds the lines accepted and not yet written (staged, handed over, or in
 * the writer's batch): {@code tryEmitNext} answers {@code FAIL_OVERFLOW} beyond it.
 */
public final class BoundedFifoSink implements FifoSink {

    /** In {@code open}: nothing is staged. */
    private static final Object EMPTY = new Object();
    /** In {@code open}: an emit or a completion holds the staged chunk. */
    private static final Object BUSY = new Object();
    /** Smallest array a chunk starts in; it grows by doubling up to the chunk limit. */
    private static final int MIN_CHUNK = 256;

    private final String path;
    private final LineEncoder encoder;
    private final byte[] delimiter;
    private final int bufferSize;
    private final int linesPerChunk;
    private final boolean atomic;
    /** Full chunks, in order: offered by the holder of {@code open} (one at a time), polled by the writer. */
    private final Queue<LineChunk> chunks = Queues.<LineChunk>unbounded(8).get();
    private final Sinks.Empty<Void> done = Sinks.empty();
    private final WrittenLines written = new WrittenLines();
    private final Writer writer;

    /** {@link #EMPTY}, the staged {@link LineChunk}, or {@link #BUSY}. */
    private volatile Object open = EMPTY;
    /** The wait of {@link #whenWritable()} callers for room, or null while nobody waits. */
    private volatile @Nullable RoomWait roomWait;
    private static final VarHandle OPEN;
    private static final VarHandle ROOM_WAIT;
    private static final VarHandle ACCEPTED;

    static {
        try {
            MethodHandles.Lookup lookup = MethodHandles.lookup();
            OPEN = lookup.findVarHandle(BoundedFifoSink.class, "open", Object.class);
            ROOM_WAIT = lookup.findVarHandle(BoundedFifoSink.class, "roomWait", RoomWait.class);
            ACCEPTED = lookup.findVarHandle(BoundedFifoSink.class, "accepted", long.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }
    /**
     * Chunks handed over into the queue so far (written by the holder of {@code open}): a chunk
     * made now is the one after them, which is how the writer keeps a taken chunk in its place,
     * and a count that moved since the last take tells it of a burst.
     */
    private volatile long chunksQueued;
    /** Bytes a chunk may hold: PIPE_BUF once the writer knows it (512, the POSIX minimum, before). */
    private volatile int chunkLimit;

    // owned by whoever holds open as BUSY
    /** The array size of the next chunk: that of the last full one, or the smallest after the writer took one. */
    private int nextChunkSize = MIN_CHUNK;
    /**
     * Lines accepted; written opaque, read plain by its owner and opaque by others (whenWritable(),
     * the counts in messages): no fence per line on the emitting path, and never a torn value.
     */
    private long accepted;

    private volatile boolean terminated;
    private volatile boolean cancelled;
    /** The writer ended, with or without an error. */
    private volatile boolean doneTerminated;
    /**
     * Waits for room end without room: set once the caller ended the sink (a completion or an
     * error accepted, or a dispose with done() failed), or once done() has the writer's outcome.
     * Not on {@code terminated} alone, which a failing writer sets before done() has the reason.
     */
    private volatile boolean roomWaitsEnded;

    /** @param noFollow refuse a symbolic link at {@code path} (a FIFO that createIfAbsent checked) */
    public BoundedFifoSink(String path, WriteOptions options, boolean noFollow) {
        this(path, options, (outcome, written, staged) ->
                FifoWriteMono.sinkWriter(outcome, path, options, noFollow, written, staged));
    }

    /**
     * For the stress tests (reactor-fifo-stress), which give the sink a fake writer that opens no
     * FIFO; the public constructor passes the real {@link FifoWriteMono.WriteSubscriber}.
     *
     * @param writerFactory makes the writer of the sink's outcome subscriber (the writer reports
     *     its end there), of the counter of lines written (the writer counts them there) and of the
     *     sink's staged lines (the writer takes them there); the writer is then subscribed to the
     *     sink's fused queue of full chunks
     */
    BoundedFifoSink(String path, WriteOptions options, WriterFactory writerFactory) {
        this.path = path;
        this.encoder = new LineEncoder(options.charset(), options.delimiter(), path);
        this.delimiter = encoder.delimiterBytes();
        this.bufferSize = options.bufferSize();
        this.linesPerChunk = Math.max(1, bufferSize / 2);
        this.atomic = options.atomicWrites();
        this.chunkLimit = atomic ? MIN_PIPE_BUF : FifoWriteMono.BATCH_CAPACITY;
        this.writer = writerFactory.create(new Outcome(), written, new StagedSide());
        writer.onSubscribe(new ChunkSource());
    }

    /** POSIX's smallest PIPE_BUF: chunks of atomic lines are this large until the FIFO is open. */
    static final int MIN_PIPE_BUF = 512;

    /**
     * At most this many chunks of a burst are written as one group (16 KiB of 4 KiB atomic
     * chunks). Groups of 4, 8 and 16 measured the same on 20- and 100-byte lines; the smallest
     * leaves the fewest chunks waiting for the deferred flush when a burst ends mid-group.
     */
    private static final int GROUP_CHUNKS = 4;
    /** Chunks handed over since the last one signalled (only the holder of {@code open} uses it). */
    private int chunksUnsignalled;
    /** While {@code chunksUnsignalled > 0}: the fewest lines of the group's chunks, the most a chunk then holds. */
    private int groupChunkLines;

    @Override
    public Sinks.EmitResult tryEmitNext(String line) {
        Objects.requireNonNull(line, "line");
        Object held = OPEN.getAndSet(this, BUSY);
        if (held == BUSY) {
            return Sinks.EmitResult.FAIL_NON_SERIALIZED; // another emit holds it (and puts it back)
        }
        LineChunk chunk = held == EMPTY ? null : (LineChunk) held;
        boolean signal = false;
        try {
            if (terminated) {
                return cancelled ? Sinks.EmitResult.FAIL_CANCELLED : Sinks.EmitResult.FAIL_TERMINATED;
            }
            if (accepted - written.get() >= bufferSize) {
                return Sinks.EmitResult.FAIL_OVERFLOW;
            }
            byte[] bytes = encode(line);
            int needed = bytes.length + delimiter.length;
            int limit = chunkLimit;
            boolean joinsPendingFlush = false;
            // while a group is left to the pending flush, a chunk holds no more lines than the
            // group's (the room left in bufferSize was judged by them, also for shorter lines)
            int maxLines = chunksUnsignalled > 0 ? groupChunkLines : linesPerChunk;
            if (chunk != null && (chunk.length + needed > limit || chunk.lines >= maxLines)) {
                nextChunkSize = chunk.bytes.length; // full: the next one likely fills as much
                handOver(chunk);
                joinsPendingFlush = mayLeaveToPendingFlush(chunk.lines);
                chunk = null;
            } else if (chunk == null) {
                nextChunkSize = MIN_CHUNK; // the writer took the last one, with what came in a while
            }
            if (chunk == null) {
                // a chunk handed over, or the first staged line: the writer writes it now or defers
                signal = !joinsPendingFlush;
                if (signal) {
                    chunksUnsignalled = 0; // the drain this signals writes every chunk queued
                }
                chunk = new LineChunk(new byte[Math.max(needed, Math.min(nextChunkSize, limit))], chunksQueued);
            }
            chunk.append(bytes, delimiter, needed, limit);
            // only the holder of open writes it; opaque (a plain move on 64-bit hardware) so that
            // whenWritable() and the counts in messages, on other threads, never read it torn
            ACCEPTED.setOpaque(this, accepted + 1);
            return Sinks.EmitResult.OK;
        } finally {
            OPEN.setRelease(this, chunk == null ? EMPTY : chunk); // publishes the chunk and the holder's fields
            if (signal) {
                writer.onNext(null); // fused: "there are lines"; writes here unless another thread is writing
            }
        }
    }

    /**
     * Whether a chunk just handed over may wait for the writer's pending deferred flush instead of
     * being signalled: in a burst, chunks then go out in groups of back-to-back writes, and a reader
     * faster than the emitting thread wakes once per group instead of once per chunk. Each wake-up
     * is paid inside the writer's {@code write(2)}: measured on 20-byte lines, {@code cat} slept
     * 150 times per MB when every 4 KiB chunk was written at once, against 15 behind a
     * {@code BufferedWriter}, and that wake-up was 27 % of the emitting thread's time.
     *
     * <p>Only while a deferred flush is on its way (the writer has deferred the staged lines of a
     * burst): the writer clears its flag before that flush drains, so a flush that has begun by the
     * time of this look is seen, and the chunk signalled. One that begins after the look writes the
     * chunk: its drain polls the queue and then takes the staged chunk, by a compare-and-set that
     * sees all this emit did before its release store (the hand-over too), and a taken chunk is
     * written only after the chunks queued before it ({@link ChunkSequence} polls again); if this
     * emit still holds the stage, the take is tried again from a later deferred flush. (While the
     * writer's drain itself schedules a flush, the flag is set a moment before the scheduler
     * answers; if it refuses, that drain takes the staged lines at once or fails the stream.)
     *
     * <p>And only while two more such chunks fit in {@code bufferSize}, and the chunks staged
     * meanwhile hold no more lines than the fewest of any chunk the group skipped
     * ({@code groupChunkLines}): after a skip judged by {@code L} lines, at most {@code L} more are
     * staged before the next hand-over, which leaves room for {@code L} more while the signalled
     * group is written. So grouping makes no emit overflow that would not have overflowed without it. Every {@value #GROUP_CHUNKS}th chunk
     * signals in any case.
     *
     * @param lines the lines of the chunk just handed over
     */
    private boolean mayLeaveToPendingFlush(int lines) {
        if (chunksUnsignalled < GROUP_CHUNKS - 1 && accepted - written.get() <= bufferSize - 2L * lines) {
            if (writer.flushPending()) {
                // the fewest lines of the group's chunks: each skip judged the room by its own
                groupChunkLines = chunksUnsignalled++ == 0 ? lines : Math.min(groupChunkLines, lines);
                return true;
            }
        }
        chunksUnsignalled = 0;
        return false;
    }

    /** Queues a chunk for the writer (the holder of {@code open} calls it). */
    private void handOver(LineChunk chunk) {
        chunks.offer(chunk);
        chunksQueued = chunksQueued + 1; // only the holder of open writes it
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
                            + ": the FifoSink holds bufferSize lines not yet written and the failure handler gave up"),
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

    /**
     * Room means at most half of {@code bufferSize} lines unwritten, not one free place: an emitter
     * that waits after each {@code FAIL_OVERFLOW} then sleeps once per half buffer of lines, not
     * once per line when the reader is the slower side.
     */
    @Override
    public Mono<Void> whenWritable() {
        return Mono.defer(this::roomOrWait);
    }

    private Mono<Void> roomOrWait() {
        for (;;) {
            if (roomWaitsEnded) {
                return Mono.empty(); // the next emit says how it ended, done() why
            }
            OPEN.getAcquire(this); // sees the count of every emit that put the stage back before it
            long target = (long) ACCEPTED.getOpaque(this) - bufferSize / 2;
            if (written.get() >= target) {
                return Mono.empty();
            }
            RoomWait wait = roomWait;
            if (wait == null) {
                wait = new RoomWait(target);
                if (!ROOM_WAIT.compareAndSet(this, null, wait)) {
                    continue; // another caller installed one: join it
                }
            }
            // installed, then looked again: the writer counts, then looks for a wait, so one of
            // the two sees the other (both are volatile accesses) and the wake-up is never lost
            if (written.get() >= wait.writtenTarget || roomWaitsEnded) {
                wake(wait);
            }
            return wait.signal.asMono();
        }
    }

    /** Completes the wait's callers once, and removes it (a later caller makes a new one). */
    private void wake(RoomWait wait) {
        if (ROOM_WAIT.compareAndSet(this, wait, null)) {
            wait.signal.tryEmitEmpty();
        }
    }

    /**
     * The sink ended: every caller of {@code whenWritable} waiting is let go, and later ones at
     * once (the flag is written, then the wait looked for: against a caller's install and second
     * look, at least one side sees the other).
     */
    private void endRoomWaits() {
        roomWaitsEnded = true;
        RoomWait wait = roomWait;
        if (wait != null) {
            wake(wait);
        }
    }

    /**
     * Callers of {@link #whenWritable()} waiting for room: completed when the writer's count of
     * written lines reaches {@code writtenTarget}, or when the sink ends. A caller that finds a
     * wait joins it, whatever its target: an earlier target only wakes it sooner, and it asks
     * again after the next {@code FAIL_OVERFLOW}.
     */
    private static final class RoomWait {
        final long writtenTarget;
        final Sinks.Empty<Void> signal = Sinks.empty();

        RoomWait(long writtenTarget) {
            this.writtenTarget = writtenTarget;
        }
    }

    /**
     * The count of lines the writer wrote, which bounds with {@code accepted} the lines the sink
     * holds, and which lets a {@link #whenWritable()} wait go once it reaches the wait's target.
     */
    final class WrittenLines {
        private final AtomicLong count = new AtomicLong();

        long get() {
            return count.get();
        }

        /** On the writer's thread, after the lines reached the pipe: a volatile add, then a look for a wait. */
        void add(int lines) {
            long now = count.addAndGet(lines);
            RoomWait wait = roomWait;
            if (wait != null && now >= wait.writtenTarget) {
                wake(wait);
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
        Object held = OPEN.getAndSet(this, BUSY);
        if (held == BUSY) {
            return Sinks.EmitResult.FAIL_NON_SERIALIZED;
        }
        try {
            if (terminated) {
                return cancelled ? Sinks.EmitResult.FAIL_CANCELLED : Sinks.EmitResult.FAIL_TERMINATED;
            }
            terminated = true;
            if (held != EMPTY) {
                handOver((LineChunk) held); // written before the outcome, like every accepted line
                held = EMPTY;
            }
        } finally {
            open = held;
        }
        try {
            if (error == null) {
                writer.onComplete();
            } else {
                writer.onError(error);
            }
        } finally {
            endRoomWaits(); // after the writer was told, which may settle done() right here
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
        try {
            // the cancelled writer signals nothing, but done() promises an outcome
            done.tryEmitError(new CancellationException(path + ": the sink was disposed; " + counts()));
        } finally {
            endRoomWaits(); // even if a subscriber of done() threw
        }
    }

    @Override
    public boolean isDisposed() {
        return cancelled || doneTerminated;
    }

    private String counts() {
        long w = written.get();
        long dropped = Math.max(0, (long) ACCEPTED.getOpaque(this) - w);
        return Errors.wereDone(w, "line") + " written, " + Errors.wereDone(dropped, "accepted line") + " dropped unwritten";
    }

    /**
     * What the sink needs of its writer: a subscriber to the fused queue of full chunks
     * (onSubscribe, then onNext(null) for "there are lines", onComplete, onError) that
     * {@link #dispose()} can cancel, and that takes the staged lines through {@link Staged} when
     * the queue is empty. The real one is {@link FifoWriteMono.WriteSubscriber}; the stress tests
     * have a fake.
     */
    interface Writer extends CoreSubscriber<Object>, Subscription {

        /**
         * @return whether a deferred flush is scheduled and has not begun (it drains after clearing
         *     this, a volatile write), or the writer's drain is scheduling one right now (if the
         *     scheduler refuses it, that drain takes the staged lines itself or fails the stream)
         */
        boolean flushPending();
    }

    /** Makes the sink's writer; see the package-private constructor. */
    interface WriterFactory {
        Writer create(CoreSubscriber<Void> outcome, WrittenLines linesWritten, Staged staged);
    }

    /** The writer's side of the lines the emitting thread staged and has not handed over. */
    interface Staged {

        /**
         * @return whether lines are staged now; a hint, exact for the line whose signal the
         *     writer is handling (that signal was sent after the lines were staged)
         */
        boolean hasStaged();

        /**
         * @return the staged lines as one chunk, which the stage no longer holds; null if none
         *     are staged, or if an emit holds them right now: then ask again a moment later
         */
        @Nullable LineChunk takeStaged();

        /**
         * @return how many chunks the sink has handed over into the queue so far: a taken chunk
         *     is written after the first {@link LineChunk#seq} of them, and a count that moved
         *     since the last take means a burst is filling chunks
         */
        long chunksQueued();

        /** The FIFO is open and its PIPE_BUF known: chunks of atomic lines may be this large. */
        void pipeBufKnown(int pipeBuf);
    }

    private final class StagedSide implements Staged {

        @Override
        public boolean hasStaged() {
            return open != EMPTY; // a chunk, or an emit holding one
        }

        @Override
        public @Nullable LineChunk takeStaged() {
            for (;;) {
                Object o = open;
                if (o == BUSY || o == EMPTY) {
                    return null;
                }
                if (OPEN.compareAndSet(BoundedFifoSink.this, o, EMPTY)) {
                    return (LineChunk) o;
                }
            }
        }

        @Override
        public long chunksQueued() {
            return chunksQueued;
        }

        @Override
        public void pipeBufKnown(int pipeBuf) {
            if (atomic) {
                chunkLimit = Math.min(pipeBuf, FifoWriteMono.BATCH_CAPACITY);
            }
        }
    }

    /** The writer's side of the queue of full chunks: asynchronous fusion, so the queue is the writer's own. */
    private final class ChunkSource implements Fuseable.QueueSubscription<Object> {

        @Override
        public int requestFusion(int requestedMode) {
            return (requestedMode & Fuseable.ASYNC) != 0 ? Fuseable.ASYNC : Fuseable.NONE;
        }

        @Override
        public @Nullable Object poll() {
            return chunks.poll();
        }

        @Override
        public int size() {
            return chunks.size();
        }

        @Override
        public boolean isEmpty() {
            return chunks.isEmpty();
        }

        @Override
        public void clear() {
            chunks.clear(); // dropped: the writer ended
        }

        @Override
        public void request(long n) {
            // bounded by bufferSize: an emit beyond it answers FAIL_OVERFLOW
        }

        @Override
        public void cancel() {
            // the writer failed (the reader went away, the FIFO could not be opened): refuse more
            // lines with FAIL_TERMINATED, as documented; FAIL_CANCELLED is for dispose()
            terminated = true; // a wait for room ends in Outcome.onError, once done() has the reason (or in dispose())
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
                // Reactor's helper copies its shared singletons instead of changing them
                reported = reactor.core.Exceptions.addSuppressed(error, new FifoSinkOutcome(path + ": " + counts));
            }
            try {
                done.tryEmitError(reported);
            } finally {
                endRoomWaits(); // after done() has the reason, which a woken emitter may look at
            }
        }

        @Override
        public void onComplete() {
            doneTerminated = true;
            try {
                done.tryEmitEmpty();
            } finally {
                endRoomWaits();
            }
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
