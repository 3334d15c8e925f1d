package dev.reactorfifo.internal;

import dev.reactorfifo.BrokenPipeException;
import dev.reactorfifo.WriteOptions;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.util.Objects;
import java.util.Queue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;
import org.reactivestreams.Subscription;
import reactor.core.CoreSubscriber;
import reactor.core.Exceptions;
import reactor.core.Fuseable;
import reactor.core.Scannable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Operators;
import reactor.util.concurrent.Queues;
import reactor.util.context.Context;

/**
 * Writes the lines or byte buffers of a publisher into a FIFO; completes when all are written and
 * the descriptor is closed.
 *
 * <p>Threads: a drain task on the options' scheduler opens the FIFO (waiting for a reader on a
 * timer), then encodes every line that is available into a heap stage of whole lines, moves each
 * full stage (PIPE_BUF bytes for atomic lines) into a batch buffer, and writes the batch when it
 * is full or when the upstream has nothing more for the moment; when the pipe is full it arms the
 * poller and ends until the poller reports room. The batch buffer is borrowed from the
 * {@link BufferPool} while lines are staged, and the stage is dropped when the upstream has
 * nothing more, so an idle writer holds neither. A synchronous upstream ({@code Flux.fromIterable}) is fused and pulled on the
 * drain thread; otherwise elements arrive through a queue, requested as the pipe takes them: at
 * most {@value #PREFETCH} lines or {@value #MAX_BUFFERS_AHEAD} buffers, and about
 * {@value #BYTES_AHEAD} bytes' worth judged by the largest so far. (An upstream that hands over
 * its own queue, such as {@code publishOn}, fills it by its own prefetch whatever is requested.)
 */
public final class FifoWriteMono extends Mono<Void> {

    /**
     * At most this many lines requested ahead, however short (see {@link #BYTES_AHEAD}). Demand
     * cannot be taken back, so a run of short lines followed by long ones holds at most this many
     * long ones. 64 and 512 measured the same on 20-byte lines from a non-fused upstream.
     */
    static final int PREFETCH = 64;
    /**
     * How long a sink's deferred flush that found a burst still filling chunks waits before it
     * looks again. A burst's full chunks are written as they fill (in groups of up to four)
     * whatever this is; it only bounds how long the end of a burst can wait (its last, partial
     * chunk, and up to three full chunks of a group it ended), and it keeps a long burst from paying
     * a scheduler hand-off per chunk (measured: one per chunk cost a quarter of the throughput of
     * 20-byte lines). The first look after a chunk filled is at once, so a short burst (a reply
     * of several chunks) is not held back.
     */
    static final int BURST_RECHECK_MILLIS = 1;
    /** The smallest array a writeLines stage starts in; it grows by doubling up to its limit. */
    private static final int MIN_STAGE = 256;
    /** The largest writeLines stage (with atomic writes, PIPE_BUF if that is smaller). */
    private static final int NON_ATOMIC_STAGE = 1 << 14;
    private static final int QUEUE_LINK = 32;
    /**
     * How many bytes of lines or buffers are requested ahead: four pipe-fulls. Counted in bytes,
     * since 512 buffers of 64 KiB would be 32 MiB held for a reader that does not read, and 512
     * lines of 1 MiB (the readers' default longest line) half a gigabyte.
     */
    static final int BYTES_AHEAD = 4 * (1 << 16);
    /**
     * At most this many buffers requested ahead, whatever their size: demand cannot be taken
     * back, so a run of small buffers followed by large ones holds at most this many large ones.
     * (An upstream fused asynchronously, such as {@code publishOn}, fills its own queue by its
     * own prefetch: give it a small prefetch, {@code publishOn(scheduler, 4)}, for large buffers.)
     */
    static final int MAX_BUFFERS_AHEAD = 32;
    /** Bytes staged before writing: a default pipe's capacity, so a reader finds whole pipe-fulls. */
    static final int BATCH_CAPACITY = 1 << 16;
    private static final BufferPool BATCH_BUFFERS = BufferPool.ofSize(BATCH_CAPACITY);

    private final Flux<?> source;
    private final String path;
    private final WriteOptions options;
    private final boolean noFollow;
    private final boolean bytes;

    private FifoWriteMono(Flux<?> source, String path, WriteOptions options, boolean noFollow, boolean bytes) {
        this.source = source;
        this.path = path;
        this.options = options;
        this.noFollow = noFollow;
        this.bytes = bytes;
    }

    /** @param noFollow refuse a symbolic link at {@code path} (a FIFO that createIfAbsent checked) */
    public static Mono<Void> lines(Flux<String> source, String path, WriteOptions options, boolean noFollow) {
        return new FifoWriteMono(source, path, options, noFollow, false);
    }

    /** @param noFollow refuse a symbolic link at {@code path} (a FIFO that createIfAbsent checked) */
    public static Mono<Void> bytes(Flux<ByteBuffer> source, String path, WriteOptions options, boolean noFollow) {
        return new FifoWriteMono(source, path, options, noFollow, true);
    }

    /**
     * The writer of a {@link BoundedFifoSink}: its upstream is the sink's queue of full chunks, and
     * it takes the lines the sink still stages through {@code staged}.
     */
    static WriteSubscriber sinkWriter(CoreSubscriber<Void> outcome, String path, WriteOptions options,
            boolean noFollow, BoundedFifoSink.WrittenLines linesWritten, BoundedFifoSink.Staged staged) {
        return new WriteSubscriber(outcome, path, options, noFollow, false, linesWritten, staged);
    }

    @Override
    public void subscribe(CoreSubscriber<? super Void> actual) {
        try {
            FifoDrain.requireAsync(options.scheduler(), (bytes ? "NamedPipe.writeBytes()" : "NamedPipe.writeLines()")
                    + " to " + path);
        } catch (IllegalStateException e) {
            Operators.error(actual, e);
            return;
        }
        source.subscribe(new WriteSubscriber(actual, path, options, noFollow, bytes, null, null));
    }

    /**
     * Writes what its upstream sends: {@code String} lines, encoded here, {@link LineChunk}s of
     * lines a {@link BoundedFifoSink} encoded and delimited already, or {@code ByteBuffer}s of
     * {@code writeBytes}, whose remaining bytes are written as they are.
     */
    static final class WriteSubscriber extends FifoDrain
            implements CoreSubscriber<Object>, Subscription, BoundedFifoSink.Writer, Scannable {

        private final CoreSubscriber<? super Void> actual;
        private final String path;
        private final WriteOptions options;
        private final LineEncoder encoder;
        private final boolean noFollow;
        /** What the upstream sends, for messages: "line" or "buffer". */
        private final String element;
        /** Written after each line of writeLines, in its stage (a sink's chunks hold theirs already). */
        private final byte[] delimiter;
        private final BoundedFifoSink.@Nullable WrittenLines linesWrittenCounter;
        /** A sink's writer: the lines its emitting thread stages, taken when they are to be written. */
        private final BoundedFifoSink.@Nullable Staged staged;

        private @Nullable Subscription upstream;
        private @Nullable Queue<Object> queue;
        private int sourceMode;

        // Owned by the WIP holder (the drain task, or cancel() when idle)
        private @Nullable FifoWriteEnd writeEnd;
        private FifoWriteEnd.@Nullable Opener opener;
        private @Nullable LineBatcher batch;
        /** A record longer than a batch, being written on its own, and how much of it is written. */
        private @Nullable ByteBuffer oversize;
        private int oversizeWritten;
        private int oversizeLines;
        /** Why a line was refused: no more lines are taken, the accepted ones are written, then this fails. */
        private @Nullable Exception rejected;
        /** A sink's chunks in order, with those {@link #flushOrDeferStaged} takes from its stage. */
        private final ChunkSequence chunkOrder = new ChunkSequence();
        /** The sink's count of queued chunks at the last take, and when a flush was deferred. */
        private long chunksAtLastTake;
        private long chunksWhenDeferred;
        /**
         * Lines of writeLines encoded and delimited, not yet in the batch; held only while lines
         * come (placed whenever the upstream has nothing more), so an idle writer holds none.
         */
        private @Nullable LineChunk lineStage;
        /** The most bytes a stage of several lines holds: at most PIPE_BUF for atomic lines, and {@link #NON_ATOMIC_STAGE}. */
        private int stageLimit;
        private int nextStageSize = MIN_STAGE;
        /** A record (a chunk of lines or a buffer) waiting for room in the batch. */
        private @Nullable Object pendingLine;
        private long linesWritten;
        /** The upstream sends buffers, written without a delimiter. */
        private final boolean sendsBuffers;
        /** Elements requested and not yet taken, the largest size in bytes and the number taken so far. */
        private long outstanding;
        private long largestElementSize;
        private long elementsTaken;
        /**
         * Lines requested from a non-fused upstream so far; published before each request, so
         * that {@link #onNext} can tell an upstream that sends more than it was asked for.
         */
        private volatile long requestedTotal;
        private long received; // by the upstream's serialised onNext only

        /** A deferred flush is scheduled; lines staged meanwhile join it. */
        private volatile boolean flushScheduled;
        /** The deferred flush ran: whoever drains next writes what is staged. */
        private volatile boolean flushRequested;
        private static final VarHandle FLUSH_REQUESTED;

        static {
            try {
                FLUSH_REQUESTED = MethodHandles.lookup().findVarHandle(WriteSubscriber.class, "flushRequested", boolean.class);
            } catch (ReflectiveOperationException e) {
                throw new ExceptionInInitializerError(e);
            }
        }

        private volatile boolean upstreamDone;
        private @Nullable Throwable upstreamError;
        /** Owned by the WIP holder: see {@link #signalError}. */
        private @Nullable Throwable errorBeforeFailure;

        /**
         * @param bytes the upstream sends {@code ByteBuffer}s, written without a delimiter
         * @param linesWrittenCounter if not null, counts the lines handed to the pipe as they are
         * @param staged a sink's staged lines: the upstream sends {@link LineChunk}s, delimited already
         */
        WriteSubscriber(CoreSubscriber<? super Void> actual, String path, WriteOptions options, boolean noFollow,
                boolean bytes, BoundedFifoSink.@Nullable WrittenLines linesWrittenCounter, BoundedFifoSink.@Nullable Staged staged) {
            super(options.scheduler());
            this.actual = actual;
            this.path = path;
            this.options = options;
            this.encoder = new LineEncoder(options.charset(), options.delimiter(), path);
            this.noFollow = noFollow;
            this.element = bytes ? "buffer" : "line";
            this.sendsBuffers = bytes;
            this.delimiter = encoder.delimiterBytes();
            this.linesWrittenCounter = linesWrittenCounter;
            this.staged = staged;
        }

        @Override
        public Context currentContext() {
            return actual.currentContext();
        }

        @Override
        @SuppressWarnings("unchecked")
        public void onSubscribe(Subscription s) {
            if (!Operators.validate(upstream, s)) {
                return;
            }
            upstream = s;
            if (s instanceof Fuseable.QueueSubscription) {
                Fuseable.QueueSubscription<Object> qs = (Fuseable.QueueSubscription<Object>) s;
                // THREAD_BARRIER: we poll on the scheduler's thread, so the upstream must not fuse
                // user functions that expect to run on its own thread
                int mode = qs.requestFusion(Fuseable.ANY | Fuseable.THREAD_BARRIER);
                if (mode == Fuseable.SYNC || mode == Fuseable.ASYNC) {
                    sourceMode = mode;
                    queue = qs;
                }
            }
            if (queue == null) {
                // linked chunks grown on demand rather than an array of PREFETCH slots: an idle
                // writer then holds about 150 bytes of queue instead of 2 KiB; the bound is kept
                // by requesting at most PREFETCH ahead and checking in onNext
                queue = Queues.<Object>unbounded(QUEUE_LINK).get();
            }
            actual.onSubscribe(this);
            schedule(); // open the FIFO; lines are requested once it is open
        }

        @Override
        public void onNext(@Nullable Object line) {
            if (sourceMode == Fuseable.ASYNC) {
                signal(); // a fused source signals with null: its queue has lines
                return;
            }
            Objects.requireNonNull(line, "line"); // Reactive Streams rule 2.13
            if (upstreamDone) {
                Operators.onNextDropped(line, actual.currentContext());
                return;
            }
            if (++received > requestedTotal || !queue.offer(line)) {
                upstream.cancel();
                onError(Operators.onOperatorError(Exceptions.failWithOverflow(
                        "the writer received more " + element + "s than it requested"), actual.currentContext()));
                return;
            }
            signal();
        }

        @Override
        public void onError(Throwable t) {
            Objects.requireNonNull(t, "t"); // Reactive Streams rule 2.13
            if (upstreamDone) {
                Operators.onErrorDropped(t, actual.currentContext());
                return;
            }
            upstreamError = t;
            upstreamDone = true;
            signal();
        }

        @Override
        public void onComplete() {
            if (upstreamDone) {
                return;
            }
            upstreamDone = true;
            signal();
        }

        @Override
        public void request(long n) {
            // a Mono<Void> emits no value: demand is irrelevant
        }

        @Override
        public void cancel() {
            cancelDrain();
        }

        @Override
        void cancelUpstream() {
            // on a failure (the WIP holder's call; a cancel sets cancelled first and signals
            // nothing): an upstream error that came before it, whose earlier lines were still
            // being written. Taken before the cancel: an error the cancel itself provokes is not it
            if (!isCancelled() && errorBeforeFailure == null) {
                errorBeforeFailure = rejected != null ? rejected : upstreamDone ? upstreamError : null;
            }
            upstream.cancel();
        }

        /**
         * Once the FIFO is open, whoever signals a line writes it when no other thread is writing:
         * no scheduler thread to wake, which is most of a line's latency. Lines emitted while a
         * write is in flight join the next one, and a burst from one thread is staged by
         * {@link #flushOrDefer} while the reader is behind, so it still becomes few large writes.
         */
        @Override
        boolean mayRunInline() {
            return writeEnd != null && !isDone();
        }

        @Override
        void afterTerminated() {
            if (sourceMode == Fuseable.ASYNC) {
                queue.clear(); // drop what the fused source still holds
            }
        }

        @Override
        void drain() throws Exception {
            try {
                write();
            } finally {
                LineBatcher b = batch;
                if (b != null && b.hasBuffer() && b.isEmpty() && oversize == null) {
                    BATCH_BUFFERS.giveBack(b.takeBack()); // idle: hold no buffer
                }
            }
        }

        private void write() throws Exception {
            if (isCancelled()) {
                stop();
                return;
            }
            FifoWriteEnd end = writeEnd;
            if (end == null) {
                FifoWriteEnd.Opener o = opener;
                if (o == null) {
                    Waiter w = openWaiter();
                    if (w == null) {
                        return;
                    }
                    o = new FifoWriteEnd.Opener(path, w, options.awaitReader(), noFollow);
                    opener = o;
                }
                end = o.tryOpen(this::upstreamFailedWithNothingToWrite);
                if (end == null) {
                    if (o.cancelled()) {
                        stop();
                    } else if (upstreamFailedWithNothingToWrite()) {
                        fail(upstreamError); // no reader may ever come: do not sit on the error
                    }
                    return; // else the waiter resumes us for the next try
                }
                writeEnd = end;
                if (staged != null) {
                    staged.pipeBufKnown(end.pipeBuf());
                }
                int segmentLimit = options.atomicWrites() ? Math.min(end.pipeBuf(), BATCH_CAPACITY) : BATCH_CAPACITY;
                // a stage of whole lines is at most one atomic segment; without atomic writes a
                // few stages fill a batch, so that each stage is still in the cache when copied
                stageLimit = Math.min(segmentLimit, NON_ATOMIC_STAGE);
                batch = new LineBatcher(BATCH_CAPACITY, segmentLimit);
                if (sourceMode != Fuseable.SYNC) {
                    requestUpstream(1); // an element's size is known once it comes
                }
            }
            if (!batch.hasBuffer()) {
                batch.lend(BATCH_BUFFERS.borrowDirect());
            }
            // a write that had to wait for room is finished before anything else; lines staged
            // for a deferred flush stay staged
            if ((oversize != null && !writeOversize(end)) || !writeSealedSegments(end)) {
                return;
            }
            Queue<Object> q = queue;
            for (;;) {
                if (isCancelled()) {
                    stop();
                    return;
                }
                Object bytes = pendingLine;
                if (bytes == null) {
                    if (rejected != null) {
                        if (placeLineStage(end)) {
                            finish(end); // resumes the flush of the lines accepted before the bad one
                        }
                        return;
                    }
                    boolean finished = upstreamDone;
                    Object line = nextElement(q); // a fused SYNC source may throw here: handled as a failure
                    if (line == null) {
                        nextStageSize = MIN_STAGE; // lines came no faster than they are written
                        if (!placeLineStage(end)) {
                            return; // waiting for room
                        }
                        if (sourceMode == Fuseable.SYNC || finished) {
                            finish(end);
                            return;
                        }
                        if (flushOrDefer(end)) { // the upstream has nothing more for now
                            continue; // a sink's staged lines were taken: written in order with its chunks
                        }
                        return;
                    }
                    bytes = encode(line);
                    if (bytes == null) {
                        continue; // rejected: the next round finishes
                    }
                    if (sourceMode != Fuseable.SYNC && staged == null) { // a sink bounds its queue itself
                        replenish(bytes);
                    }
                    if (bytes instanceof byte[]) {
                        if (!stageLine(end, (byte[]) bytes)) {
                            return; // a full stage waits for room in pendingLine; this line starts the next
                        }
                        continue;
                    }
                }
                pendingLine = bytes;
                if (!place(end, bytes)) {
                    return; // kept in pendingLine until there is room
                }
                pendingLine = null;
            }
        }

        /**
         * Appends an encoded line and its delimiter to the heap stage, which is placed into the
         * batch as one record once it is full (PIPE_BUF bytes for atomic lines): a line then costs
         * its encoding and one copy, and the batch's bookkeeping is paid per stage, not per line.
         *
         * @return false if the full stage is waiting for room (in {@link #pendingLine}); the line
         *     is staged in the next one either way
         */
        private boolean stageLine(FifoWriteEnd end, byte[] line) throws Exception {
            int needed = line.length + delimiter.length;
            LineChunk stage = lineStage;
            boolean placed = true;
            if (stage != null && stage.length + needed > stageLimit) {
                nextStageSize = stage.bytes.length; // full: the next one likely fills as much
                placed = placeLineStage(end);
                if (placed && oversize == null && stage.bytes.length <= stageLimit) {
                    // its bytes are in the batch: the same array takes the next lines, so a burst
                    // allocates (and zeroes) no array per stage (not one a single long line grew)
                    stage.length = 0;
                    stage.lines = 0;
                    lineStage = stage;
                } else {
                    stage = null;
                    if (!placed && isDone()) {
                        return false; // the stream ended (broken pipe, cancel): nothing more is staged
                    }
                }
            }
            if (stage == null) {
                // while a full stage waits for room, the next one starts at the line's size
                int size = placed ? Math.max(needed, Math.min(nextStageSize, stageLimit)) : needed;
                stage = new LineChunk(new byte[size], 0);
                lineStage = stage;
            }
            stage.append(line, delimiter, needed, stageLimit);
            return placed;
        }

        /** @return false if the stage could not be placed yet (it waits for room in {@link #pendingLine}) */
        private boolean placeLineStage(FifoWriteEnd end) throws Exception {
            LineChunk stage = lineStage;
            if (stage == null) {
                return true;
            }
            lineStage = null;
            pendingLine = stage;
            if (!place(end, stage)) {
                return false;
            }
            pendingLine = null;
            return true;
        }

        /** @return the next element; for a sink's writer, with a chunk taken from its stage in its place */
        private @Nullable Object nextElement(Queue<Object> q) {
            return staged != null ? chunkOrder.next(q) : q.poll();
        }

        /**
         * @return the line's bytes ({@code byte[]}) or the buffer, or null if it is refused: then the
         *     upstream is cancelled and the lines accepted before it are still written before the
         *     error is signalled
         */
        private @Nullable Object encode(Object line) {
            if (!(line instanceof String)) {
                return line; // lines encoded and checked by the sink on its emitting thread, or bytes
            }
            try {
                LineChunk stage = lineStage;
                return encoder.encode((String) line,
                        linesWritten + batch.pendingLines() + (stage == null ? 0 : stage.lines) + 1);
            } catch (IllegalArgumentException | java.nio.charset.CharacterCodingException e) {
                rejected = e;
                upstream.cancel();
                return null;
            }
        }

        /**
         * Requests more as elements are taken, by a byte budget: the upstream's elements are held
         * in memory until written, and their number says nothing of their size.
         *
         * @param taken a line's encoded bytes, or a buffer
         */
        private void replenish(Object taken) {
            outstanding--;
            elementsTaken++;
            long size = Math.max(1, sizeOf(taken));
            largestElementSize = Math.max(largestElementSize, size);
            // by the largest element seen, and ramped up from one: a small first element (a
            // header, an empty one) must not unlock a demand that large ones after it would fill
            long most = sendsBuffers ? MAX_BUFFERS_AHEAD : PREFETCH;
            long wanted = Math.max(1, Math.min(Math.min(most, elementsTaken), BYTES_AHEAD / largestElementSize));
            if (outstanding <= wanted / 2) {
                requestUpstream((int) (wanted - outstanding));
            }
        }

        private long sizeOf(Object element) {
            return element instanceof byte[] ? ((byte[]) element).length + delimiter.length : ((ByteBuffer) element).remaining();
        }

        private void requestUpstream(int n) {
            if (upstreamDone) {
                return; // no request after onComplete or onError (Reactive Streams rule 2.3)
            }
            if (sourceMode == Fuseable.NONE) {
                requestedTotal += n; // only the drain thread requests: no lost update
            }
            outstanding += n;
            upstream.request(n);
        }

        private boolean upstreamFailedWithNothingToWrite() {
            return upstreamDone && upstreamError != null && queue.isEmpty();
        }

        /**
         * Adds a record (a chunk of delimited lines, or a buffer) to the batch, writing the batch
         * first when it is full.
         *
         * @return false if it could not be placed yet (waiting for room) or the stream ended
         */
        private boolean place(FifoWriteEnd end, Object bytes) throws Exception {
            LineBatcher b = batch;
            if (add(b, bytes)) {
                return true;
            }
            if (!flush(end)) {
                return false;
            }
            if (add(b, bytes)) {
                return true;
            }
            // longer than a batch: written whole and in order, slice by slice through the (now
            // empty) batch buffer, but not atomically; it is no longer pending but oversize
            if (bytes instanceof LineChunk) {
                LineChunk chunk = (LineChunk) bytes; // a single line: a chunk of several fits a batch
                oversize = ByteBuffer.wrap(chunk.bytes, 0, chunk.length);
                oversizeLines = chunk.lines;
            } else {
                oversize = ((ByteBuffer) bytes).duplicate();
                oversizeLines = 1;
            }
            oversizeWritten = 0;
            pendingLine = null;
            return writeOversize(end);
        }

        /**
         * Writes every staged line, in segments back to back.
         *
         * @return false if not all is written yet (waiting for room) or the stream ended
         */
        private boolean flush(FifoWriteEnd end) throws Exception {
            batch.seal();
            return writeSealedSegments(end);
        }

        /** @return false if not all is written yet (waiting for room) or the stream ended */
        private boolean writeSealedSegments(FifoWriteEnd end) throws Exception {
            LineBatcher b = batch;
            while (b.hasSegment()) {
                if (!written(end.write(b.buffer(), b.segmentStart(), b.segmentEnd(), isInline()))) {
                    return false;
                }
                countWritten(b.segmentWritten());
            }
            return true;
        }

        private static boolean add(LineBatcher batch, Object record) {
            return record instanceof LineChunk ? batch.add((LineChunk) record) : batch.add((ByteBuffer) record);
        }

        private boolean writeOversize(FifoWriteEnd end) throws Exception {
            ByteBuffer element = oversize; // a line with its delimiter, or the caller's bytes, read by absolute index only
            int size = element.remaining();
            ByteBuffer buffer = batch.buffer();
            while (oversizeWritten < size) {
                int slice = Math.min(buffer.capacity(), size - oversizeWritten);
                // copying the slice again after a PENDING write is harmless: the same bytes
                buffer.put(0, element, element.position() + oversizeWritten, slice);
                if (!written(end.write(buffer, 0, slice, isInline()))) {
                    return false;
                }
                oversizeWritten += slice;
            }
            oversize = null;
            countWritten(oversizeLines);
            return true;
        }

        private boolean written(FifoWriteEnd.Result result) {
            switch (result) {
                case WRITTEN:
                    return true;
                case PENDING:
                    return false; // the pipe is full: the poller resumes the drain on the scheduler
                case CANCELLED:
                    stop();
                    return false;
                default:
                    fail(new BrokenPipeException(path + ": the reader went away (broken pipe) after "
                            + Errors.wereDone(linesWritten, element) + " written into the pipe", linesWritten));
                    return false;
            }
        }

        /**
         * The upstream has nothing more for the moment: write what is staged, unless the reader
         * has not read what was written before (on an emitting thread, or on the scheduler after
         * the poller reported room while a producer keeps emitting). Then the
         * reader is busy with bytes already in the pipe, writing now gains it nothing, and the
         * staged lines wait for one deferred flush on the scheduler, which every line emitted
         * meanwhile joins (a batch that fills up is written at once by whoever fills it): a burst
         * from one thread becomes few large writes, one scheduler hand-off per batch rather than
         * per line. When the pipe is empty the reader is waiting, and the lines go out at once: a
         * lone line or a reply is never held back. The choice rests on the pipe's state, asked
         * once per batch with {@code FIONREAD}, not on a clock, so it holds on hosts with fast and
         * slow wake-ups alike. (A deferred flush that waited for the producer to pause, by
         * rescheduling itself while lines kept coming, was tried and measured: on two cores it
         * took the CPU from the producer and the reader, and batches got smaller, not larger.)
         */
        private boolean flushOrDefer(FifoWriteEnd end) throws Exception {
            BoundedFifoSink.Staged s = staged;
            if (s != null) {
                return flushOrDeferStaged(end, s);
            }
            LineBatcher b = batch;
            // full segments go out now, on whichever thread: each is a whole write of its own
            // (PIPE_BUF for atomic lines), and only the open one, still filling, may wait
            if (!writeSealedSegments(end)) {
                return false;
            }
            if (b.isEmpty()) {
                flushRequested = false; // a deferred flush whose lines a full batch took along
                return false;
            }
            if (flushRequested) {
                flushRequested = false;
                flush(end);
                return false;
            }
            if (flushScheduled) {
                return false; // a deferred flush is on its way: these lines join it
            }
            if (end.unreadBytes() <= 0) { // the reader waits (or the system cannot tell): write now
                flush(end);
                return false;
            }
            flushScheduled = true;
            if (!scheduleDeferredFlush()) {
                flushScheduled = false;
                flush(end); // no deferred flush possible: write now rather than hold lines back
            }
            return false;
        }

        /**
         * A sink's variant. The chunks it handed over are whole lines that filled up, written at
         * once (while a deferred flush is pending, the sink signals a burst's chunks in groups of
         * up to four, which that flush writes if the sink stops before the group is full). The
         * lines its emitting thread still stages are taken and written at once when the reader
         * has read everything before and the sink is not in a burst; else by a deferred
         * flush, which every line staged meanwhile joins. A burst is a chunk filled since lines
         * were last taken: lines come faster than the pipe is written, and the reader, which has
         * just been given a full chunk, loses nothing by waiting for the next. A deferred flush
         * that finds more chunks filled meanwhile leaves the staged lines to the next full chunk
         * and looks again {@value #BURST_RECHECK_MILLIS} ms later, until a look finds the burst
         * over and writes the rest. If an emit holds the staged chunk at that moment, a deferred
         * flush takes it.
         *
         * @return whether staged lines were taken (into {@link #chunkOrder}): the drain loop goes on
         *     and writes them after any chunk handed over before them
         */
        private boolean flushOrDeferStaged(FifoWriteEnd end, BoundedFifoSink.Staged s) throws Exception {
            if (!flush(end)) {
                return false;
            }
            // a deferred flush ran; taken atomically, since the next one may set it again meanwhile
            boolean due = (boolean) FLUSH_REQUESTED.getAndSet(this, false);
            if (!s.hasStaged()) {
                return false;
            }
            long handedOver = s.chunksQueued();
            boolean defer;
            int delayMillis = 0;
            if (due) {
                defer = handedOver != chunksWhenDeferred; // the burst goes on
                delayMillis = BURST_RECHECK_MILLIS;
            } else if (flushScheduled) {
                return false; // a deferred flush is on its way: the staged lines join it
            } else {
                defer = handedOver != chunksAtLastTake || end.unreadBytes() > 0;
            }
            if (defer && deferStaged(handedOver, delayMillis, false)) {
                return false; // (a scheduler that takes no delayed task: the staged lines go now)
            }
            LineChunk chunk = s.takeStaged();
            if (chunk == null) {
                // an emit holds them for a moment, and it will not signal for them: take them from
                // a deferred flush (a second miss in a row waits the burst's delay, so emits that
                // keep the chunk cannot keep a scheduler thread busy); if the scheduler takes no
                // task, nothing would ever write them, so the stream fails as a rejected drain does
                if (s.hasStaged() && !deferStaged(handedOver, due ? BURST_RECHECK_MILLIS : 0, true)) {
                    fail(Operators.onRejectedExecution(new RejectedExecutionException(path
                            + ": the scheduler rejected the task that writes the sink's staged lines"), context()));
                }
                return false;
            }
            chunksAtLastTake = chunk.seq; // no chunk is handed over while one is staged: exact
            chunkOrder.taken(chunk);
            return true;
        }

        /**
         * @param delayMillis 0 for the next free moment of the scheduler
         * @param orAtOnce if the scheduler takes no delayed task, schedule it without the delay
         *     (for a take that must be tried again; a burst's look rather writes now)
         * @return whether a deferred flush is scheduled (false: write now rather than hold lines back)
         */
        private boolean deferStaged(long handedOver, int delayMillis, boolean orAtOnce) {
            chunksWhenDeferred = handedOver;
            if (flushScheduled) {
                return true; // one is outstanding already (a drain raced a deferred flush's start): it looks
            }
            flushScheduled = true;
            if (scheduleDeferredFlush(delayMillis, orAtOnce)) {
                return true;
            }
            flushScheduled = false;
            return false;
        }

        private boolean scheduleDeferredFlush() {
            return scheduleDeferredFlush(0, true);
        }

        /**
         * @param delayMillis a throttle only
         * @param orAtOnce if a scheduler without timers (one made from a plain executor) rejects the
         *     delayed task, schedule it at once instead
         * @return false if the scheduler rejected the task
         */
        private boolean scheduleDeferredFlush(int delayMillis, boolean orAtOnce) {
            if (delayMillis > 0) {
                try {
                    scheduler().schedule(this::deferredFlush, delayMillis, TimeUnit.MILLISECONDS);
                    return true;
                } catch (RejectedExecutionException e) {
                    if (!orAtOnce) {
                        return false;
                    }
                    // no timer here (or a full or disposed scheduler: then the next try fails too)
                }
            }
            try {
                scheduler().schedule(this::deferredFlush);
                return true;
            } catch (RejectedExecutionException e) {
                return false;
            }
        }

        @Override
        public boolean flushPending() {
            return flushScheduled;
        }

        /** On the scheduler: whoever drains next writes the staged lines, this thread if nobody does. */
        private void deferredFlush() {
            flushScheduled = false;
            flushRequested = true;
            drainHere();
        }

        private void countWritten(int lines) {
            linesWritten += lines;
            BoundedFifoSink.WrittenLines counter = linesWrittenCounter;
            if (counter != null) {
                counter.add(lines);
            }
        }

        private void finish(FifoWriteEnd end) throws Exception {
            if (!flush(end)) {
                return;
            }
            Throwable error = rejected != null ? rejected : upstreamError;
            complete(error != null ? () -> actual.onError(error) : actual::onComplete);
        }

        @Override
        void releaseResources() {
            FifoWriteEnd end = writeEnd;
            if (end != null) {
                writeEnd = null;
                end.close();
            }
            batch = null; // with the lines staged in its buffer, which is not given back: nobody writes them
            oversize = null;
            pendingLine = null;
            lineStage = null;
            chunkOrder.clear();
        }

        @Override
        /**
         * A failure while the lines before an upstream error (or a refused line) are still being
         * written, such as the reader going away: that earlier error is still the one signalled,
         * with this failure suppressed in it, so the upstream's error is never lost.
         */
        void signalError(Throwable error) {
            Throwable earlier = errorBeforeFailure;
            if (earlier == null || earlier == error) {
                actual.onError(error);
                return;
            }
            // Reactor's helper copies its shared singletons instead of changing them
            Throwable signalled = Exceptions.addSuppressed(earlier, error);
            actual.onError(signalled);
            if (!java.util.Arrays.asList(signalled.getSuppressed()).contains(error)) {
                // an exception that takes no suppressed one; after the signal, so that a hook
                // that throws cannot cost the subscriber its outcome
                Operators.onErrorDropped(error, context());
            }
        }

        @Override
        String target() {
            return path;
        }

        @Override
        Context context() {
            return actual.currentContext();
        }

        @Override
        public @Nullable Object scanUnsafe(Attr key) {
            if (key == Attr.PARENT) {
                return upstream;
            }
            if (key == Attr.ACTUAL) {
                return actual;
            }

            if (key == Attr.PREFETCH) {
                return PREFETCH;
            }
            return scanDrain(key);
        }
    }
}
