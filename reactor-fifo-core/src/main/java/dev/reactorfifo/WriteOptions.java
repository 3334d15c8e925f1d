package dev.reactorfifo;

import dev.reactorfifo.internal.AsciiCompatibleCharsets;
import dev.reactorfifo.internal.Delimiter;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.util.Objects;
import org.jspecify.annotations.Nullable;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;

/**
 * How {@link NamedPipe#writeLines(org.reactivestreams.Publisher, WriteOptions)},
 * {@link NamedPipe#writeBytes(org.reactivestreams.Publisher, WriteOptions)} and
 * {@link NamedPipe#sink(WriteOptions)} write into a FIFO. Immutable: every wither returns a copy.
 */
public final class WriteOptions {

    /** Default {@link #bufferSize()} of a {@link FifoSink}: 1024 lines. */
    public static final int DEFAULT_BUFFER_SIZE = 1024;

    private static final WriteOptions DEFAULTS =
            new WriteOptions(StandardCharsets.UTF_8, true, true, DEFAULT_BUFFER_SIZE, null, "\n");

    private final Charset charset;
    private final boolean awaitReader;
    private final boolean atomicWrites;
    private final int bufferSize;
    private final @Nullable Scheduler scheduler;
    private final String delimiter;

    private WriteOptions(Charset charset, boolean awaitReader, boolean atomicWrites, int bufferSize,
            @Nullable Scheduler scheduler, String delimiter) {
        this.charset = charset;
        this.awaitReader = awaitReader;
        this.atomicWrites = atomicWrites;
        this.bufferSize = bufferSize;
        this.scheduler = scheduler;
        this.delimiter = delimiter;
    }

    /**
     * Returns the default options.
     *
     * @return UTF-8, wait for a reader, atomic writes, a sink that holds up to 1024 lines, on
     *     {@link Schedulers#boundedElastic()}, lines ended by {@code \n}
     */
    public static WriteOptions defaults() {
        return DEFAULTS;
    }

    /**
     * The charset lines are encoded with. A character it cannot encode fails the write (never a
     * silent {@code ?}).
     *
     * @param charset the charset to encode with; it must encode ASCII as single ASCII bytes
     * @return a copy of these options with this charset
     * @throws IllegalArgumentException for a charset that is not ASCII-compatible (UTF-16, UTF-32)
     */
    public WriteOptions charset(Charset charset) {
        AsciiCompatibleCharsets.require(Objects.requireNonNull(charset, "charset"));
        Delimiter.encode(delimiter, charset);
        return new WriteOptions(charset, awaitReader, atomicWrites, bufferSize, scheduler, delimiter);
    }

    /**
     * {@code true} (the default): wait until some process opens the FIFO for reading, retrying the
     * non-blocking open with a short bounded backoff (a reader is noticed within about 10 ms).
     * {@code false}: fail at once with {@link NoReaderException} when nobody reads.
     *
     * @param await whether opening waits for a reader rather than failing at once
     * @return a copy of these options with this mode
     */
    public WriteOptions awaitReader(boolean await) {
        return new WriteOptions(charset, await, atomicWrites, bufferSize, scheduler, delimiter);
    }

    /**
     * {@code true} (the default): every {@code write(2)} carries whole records (lines with their
     * delimiter, or buffers of {@code writeBytes}) and at most {@code PIPE_BUF} bytes (4096 on
     * Linux, 512 on macOS), which the kernel writes atomically. So a record of at most
     * {@code PIPE_BUF} bytes is never split across {@code write(2)} calls, and records of that
     * size from several writer processes sharing the FIFO never interleave. A single record longer
     * than {@code PIPE_BUF} is still written whole and in order, but not atomically.
     * {@code false}: batches of up to 64 KiB, faster for a FIFO with a single writer.
     *
     * @param atomic whether every {@code write(2)} carries whole records and at most
     *     {@code PIPE_BUF} bytes
     * @return a copy of these options with this mode
     */
    public WriteOptions atomicWrites(boolean atomic) {
        return new WriteOptions(charset, awaitReader, atomic, bufferSize, scheduler, delimiter);
    }

    /**
     * How many accepted lines a {@link FifoSink} holds that are not written into the pipe yet
     * (staged on the emitting thread, handed to the writer, or waiting for room in the pipe);
     * {@code tryEmitNext} answers {@code FAIL_OVERFLOW} beyond it. The sink hands lines to its
     * writer in chunks of at most half of it, so a small value also makes smaller writes: the
     * default lets 20-byte lines fill {@code PIPE_BUF}-sized writes. Not used by
     * {@code writeLines}, which requests from its upstream only as fast as the pipe accepts bytes.
     *
     * @param lines the most lines held unwritten, at least 1 (default {@link #DEFAULT_BUFFER_SIZE})
     * @return a copy of these options with this capacity
     * @throws IllegalArgumentException if {@code lines < 1}
     */
    public WriteOptions bufferSize(int lines) {
        if (lines < 1) {
            throw new IllegalArgumentException("bufferSize must be at least 1, was " + lines);
        }
        return new WriteOptions(charset, awaitReader, atomicWrites, lines, scheduler, delimiter);
    }

    /**
     * The scheduler whose threads open the FIFO and write while lines keep coming. No system call
     * of the library blocks, so any asynchronous scheduler works ({@link Schedulers#boundedElastic()},
     * the default, also on virtual threads; {@link Schedulers#parallel()}; {@link Schedulers#single()}).
     * Waiting for a reader (a timer) or for room in the pipe (the shared poller thread) holds none
     * of its threads. {@link Schedulers#immediate()} fails the write with
     * {@link IllegalStateException} before anything is opened.
     *
     * @param scheduler the scheduler to open the FIFO and write on; any but
     *     {@link Schedulers#immediate()}
     * @return a copy of these options with this scheduler
     */
    public WriteOptions scheduler(Scheduler scheduler) {
        Objects.requireNonNull(scheduler, "scheduler");
        return new WriteOptions(charset, awaitReader, atomicWrites, bufferSize, scheduler, delimiter);
    }

    /**
     * What {@code writeLines} and a {@link FifoSink} write after each line: {@code "\n"} by
     * default, or another exact delimiter such as {@code "\0"} (for {@code xargs -0} and readers
     * with {@link ReadOptions#delimiter(String)}) or {@code "\r\n"}. A line the reader would
     * split is refused with {@link IllegalArgumentException}, as a line containing {@code \n} is:
     * with {@code "\n"}, one containing {@code \n} or {@code \r} (readers with the default
     * terminators split at both); otherwise one in which the delimiter occurs, also overlapping the
     * delimiter written after it ({@code "a"} with {@code "aa"}). Not used by {@code writeBytes}.
     *
     * @param delimiter what to write after each line, at least one character
     * @return a copy of these options with this delimiter
     * @throws IllegalArgumentException if {@code delimiter} is empty or the charset cannot
     *     encode it
     */
    public WriteOptions delimiter(String delimiter) {
        Objects.requireNonNull(delimiter, "delimiter");
        Delimiter.encode(delimiter, charset);
        return new WriteOptions(charset, awaitReader, atomicWrites, bufferSize, scheduler, delimiter);
    }

    /**
     * Returns what is written after each line: {@code "\n"} by default.
     *
     * @return the delimiter written after each line
     */
    public String delimiter() {
        return delimiter;
    }

    /**
     * Returns the charset lines are encoded with, UTF-8 by default.
     *
     * @return the charset lines are encoded with
     */
    public Charset charset() {
        return charset;
    }

    /**
     * Returns whether opening the FIFO waits for a reader rather than failing with
     * {@link NoReaderException}: {@code true} by default.
     *
     * @return whether opening waits for a reader
     */
    public boolean awaitReader() {
        return awaitReader;
    }

    /**
     * Returns whether every {@code write(2)} carries whole records and at most {@code PIPE_BUF}
     * bytes: {@code true} by default.
     *
     * @return whether writes are capped at {@code PIPE_BUF} bytes of whole records
     */
    public boolean atomicWrites() {
        return atomicWrites;
    }

    /**
     * Returns the capacity of a {@link FifoSink}'s queue in lines: {@link #DEFAULT_BUFFER_SIZE} by
     * default.
     *
     * @return a {@link FifoSink}'s queue capacity in lines
     */
    public int bufferSize() {
        return bufferSize;
    }

    /**
     * Returns the scheduler whose threads open the FIFO and write while lines keep coming.
     *
     * @return the scheduler set, or {@link Schedulers#boundedElastic()}
     */
    public Scheduler scheduler() {
        return scheduler != null ? scheduler : Schedulers.boundedElastic();
    }

    @Override
    public boolean equals(@Nullable Object o) {
        if (this == o) {
            return true;
        }
        if (!(o instanceof WriteOptions)) {
            return false;
        }
        WriteOptions that = (WriteOptions) o;
        return awaitReader == that.awaitReader && atomicWrites == that.atomicWrites
                && bufferSize == that.bufferSize && charset.equals(that.charset)
                && Objects.equals(scheduler, that.scheduler) && delimiter.equals(that.delimiter);
    }

    @Override
    public int hashCode() {
        return Objects.hash(charset, awaitReader, atomicWrites, bufferSize, scheduler, delimiter);
    }

    @Override
    public String toString() {
        return "WriteOptions{charset=" + charset + ", awaitReader=" + awaitReader
                + ", atomicWrites=" + atomicWrites + ", bufferSize=" + bufferSize
                + ", scheduler=" + (scheduler != null ? scheduler : "boundedElastic")
                + ", delimiter=" + Delimiter.describe(delimiter) + '}';
    }
}
