package dev.reactorfifo;

import dev.reactorfifo.internal.AsciiCompatibleCharsets;
import dev.reactorfifo.internal.Delimiter;
import java.nio.charset.Charset;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Objects;
import java.util.Optional;
import org.jspecify.annotations.Nullable;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;

/**
 * How {@link NamedPipe#lines(ReadOptions)} and {@link NamedPipe#bytes(ReadOptions)} read a FIFO
 * ({@code bytes()} uses only the read size, follow mode and scheduler). To go back from a
 * delimiter to the line terminators, start again from {@link #defaults()}. Immutable: every wither returns a copy,
 * so one instance can be shared between threads and subscriptions.
 *
 * <pre>{@code
 * ReadOptions opts = ReadOptions.defaults().follow(true).maxLineLength(64 * 1024);
 * }</pre>
 */
public final class ReadOptions {

    /** Default {@link #maxLineLength()}: 1 MiB. */
    public static final int DEFAULT_MAX_LINE_LENGTH = 1 << 20;
    /** Default {@link #readBufferSize()}: 64 KiB, the default capacity of a Linux pipe. */
    public static final int DEFAULT_READ_BUFFER_SIZE = 1 << 16;

    private static final ReadOptions DEFAULTS = new ReadOptions(StandardCharsets.UTF_8,
            DEFAULT_MAX_LINE_LENGTH, CodingErrorAction.REPLACE, false, null, DEFAULT_READ_BUFFER_SIZE, null);

    private final Charset charset;
    private final int maxLineLength;
    private final CodingErrorAction malformedInput;
    private final boolean follow;
    private final @Nullable Scheduler scheduler;
    private final int readBufferSize;
    private final @Nullable String delimiter;

    private ReadOptions(Charset charset, int maxLineLength, CodingErrorAction malformedInput,
            boolean follow, @Nullable Scheduler scheduler, int readBufferSize, @Nullable String delimiter) {
        this.charset = charset;
        this.maxLineLength = maxLineLength;
        this.malformedInput = malformedInput;
        this.follow = follow;
        this.scheduler = scheduler;
        this.readBufferSize = readBufferSize;
        this.delimiter = delimiter;
    }

    /**
     * Returns the default options.
     *
     * @return UTF-8, lines of at most 1 MiB, malformed input replaced by U+FFFD, complete at the
     *     writers' EOF, on {@link Schedulers#boundedElastic()}, 64 KiB reads
     */
    public static ReadOptions defaults() {
        return DEFAULTS;
    }

    /**
     * The charset lines are decoded with. Lines are framed by scanning bytes for {@code \n} and
     * {@code \r}, so only charsets that encode ASCII as single ASCII bytes are accepted (UTF-8,
     * US-ASCII, ISO-8859-x, windows-125x...).
     *
     * @param charset the charset to decode with; it must encode ASCII as single ASCII bytes
     * @return a copy of these options with this charset
     * @throws IllegalArgumentException for a charset that is not ASCII-compatible (UTF-16, UTF-32)
     */
    public ReadOptions charset(Charset charset) {
        AsciiCompatibleCharsets.require(Objects.requireNonNull(charset, "charset"));
        if (delimiter != null) {
            Delimiter.encode(delimiter, charset);
        }
        return new ReadOptions(charset, maxLineLength, malformedInput, follow, scheduler, readBufferSize, delimiter);
    }

    /**
     * The longest line accepted, in bytes without its terminator. A longer line fails the Flux
     * with {@link LineTooLongException} as soon as the limit is passed; no more than the limit (and,
     * with a {@link #delimiter(String) delimiter}, a delimiter's first bytes) is
     * ever buffered.
     *
     * @param bytes the longest line in bytes, at least 1 (default
     *     {@link #DEFAULT_MAX_LINE_LENGTH})
     * @return a copy of these options with this limit
     * @throws IllegalArgumentException if {@code bytes < 1}
     */
    public ReadOptions maxLineLength(int bytes) {
        if (bytes < 1) {
            throw new IllegalArgumentException("maxLineLength must be at least 1, was " + bytes);
        }
        return new ReadOptions(charset, bytes, malformedInput, follow, scheduler, readBufferSize, delimiter);
    }

    /**
     * What to do with bytes that are invalid in the charset: {@link CodingErrorAction#REPLACE}
     * (the default) yields U+FFFD for them, {@link CodingErrorAction#REPORT} fails the Flux with a
     * {@link MalformedLineException} naming the path and the line number.
     *
     * @param action {@link CodingErrorAction#REPLACE} or {@link CodingErrorAction#REPORT}
     * @return a copy of these options with this action
     * @throws IllegalArgumentException for {@link CodingErrorAction#IGNORE}, which would drop
     *     input silently
     */
    public ReadOptions malformedInput(CodingErrorAction action) {
        Objects.requireNonNull(action, "action");
        if (action != CodingErrorAction.REPLACE && action != CodingErrorAction.REPORT) {
            throw new IllegalArgumentException("malformedInput must be REPLACE or REPORT, was " + action);
        }
        return new ReadOptions(charset, maxLineLength, action, follow, scheduler, readBufferSize, delimiter);
    }

    /**
     * {@code false} (the default): complete when the last writer closes. {@code true}: keep
     * reading across successive writers until cancelled, like {@code tail -f}; the unterminated
     * fragment a writer leaves at its EOF is emitted as a line of its own.
     *
     * @param follow whether to keep reading across successive writers until cancelled
     * @return a copy of these options with this mode
     */
    public ReadOptions follow(boolean follow) {
        return new ReadOptions(charset, maxLineLength, malformedInput, follow, scheduler, readBufferSize, delimiter);
    }

    /**
     * The scheduler whose threads open and read the FIFO, and on which {@code onNext},
     * {@code onComplete} and {@code onError} are called. No system call of the library blocks, so
     * any asynchronous scheduler works: {@link Schedulers#boundedElastic()} (the default, also on
     * virtual threads), {@link Schedulers#parallel()}, {@link Schedulers#single()}, your own.
     * Waiting for a writer or for data holds none of its threads: the shared poller thread waits.
     * {@link Schedulers#immediate()} fails the subscription with {@link IllegalStateException}
     * before anything is opened: it would run the reads on the subscribing thread and on the
     * poller's.
     *
     * @param scheduler the scheduler to open and read the FIFO and to signal the subscriber on;
     *     any but {@link Schedulers#immediate()}
     * @return a copy of these options with this scheduler
     */
    public ReadOptions scheduler(Scheduler scheduler) {
        Objects.requireNonNull(scheduler, "scheduler");
        return new ReadOptions(charset, maxLineLength, malformedInput, follow, scheduler, readBufferSize, delimiter);
    }

    /**
     * How many bytes one {@code read(2)} asks for. The buffer is borrowed from a pool for as long
     * as a read's lines are being emitted, so an idle reader holds none; a reader that has lines
     * of a read left but no demand for them keeps that read's bytes until it is asked for more.
     *
     * @param bytes the size of one read, from 512 bytes to 16 MiB inclusive (default
     *     {@link #DEFAULT_READ_BUFFER_SIZE})
     * @return a copy of these options with this read size
     * @throws IllegalArgumentException if {@code bytes} is not between 512 and 16 MiB
     */
    public ReadOptions readBufferSize(int bytes) {
        if (bytes < 512 || bytes > (16 << 20)) {
            throw new IllegalArgumentException("readBufferSize must be between 512 and 16 MiB, was " + bytes);
        }
        return new ReadOptions(charset, maxLineLength, malformedInput, follow, scheduler, bytes, delimiter);
    }

    /**
     * Frames with one exact delimiter instead of the line terminators of {@code readLine}: the
     * Flux emits what lies between two delimiters, without them ({@code "\0"} for the output of
     * {@code find -print0}, {@code xargs -0} and {@code git ls-files -z}; {@code "\r\n"} strictly,
     * so that a lone {@code \r} or {@code \n} stays in the element; {@code "\n\n"} for
     * blank-line-separated records). The delimiter is encoded in the {@link #charset(Charset)
     * charset} and matched as those bytes, also when a read splits it. At the writer's EOF a
     * non-empty rest after the last delimiter is the final element. {@link #maxLineLength(int)},
     * the charset and {@link #malformedInput(CodingErrorAction)} apply to each element as to a line.
     *
     * @param delimiter the exact delimiter of elements, at least one character
     * @return a copy of these options with this delimiter
     * @throws IllegalArgumentException if {@code delimiter} is empty or the charset cannot
     *     encode it
     */
    public ReadOptions delimiter(String delimiter) {
        Objects.requireNonNull(delimiter, "delimiter");
        Delimiter.encode(delimiter, charset);
        return new ReadOptions(charset, maxLineLength, malformedInput, follow, scheduler, readBufferSize, delimiter);
    }

    /**
     * Returns the exact delimiter of elements, if one was set; otherwise lines end at
     * {@code \n}, {@code \r\n} or a lone {@code \r}.
     *
     * @return the delimiter set, or empty for the terminators of {@code readLine}
     */
    public Optional<String> delimiter() {
        return Optional.ofNullable(delimiter);
    }

    /**
     * Returns the charset lines are decoded with, UTF-8 by default.
     *
     * @return the charset lines are decoded with
     */
    public Charset charset() {
        return charset;
    }

    /**
     * Returns the longest line accepted, in bytes without its terminator:
     * {@link #DEFAULT_MAX_LINE_LENGTH} by default.
     *
     * @return the longest accepted line in bytes
     */
    public int maxLineLength() {
        return maxLineLength;
    }

    /**
     * Returns what is done with bytes that are invalid in the charset:
     * {@link CodingErrorAction#REPLACE} by default.
     *
     * @return {@link CodingErrorAction#REPLACE} or {@link CodingErrorAction#REPORT}
     */
    public CodingErrorAction malformedInput() {
        return malformedInput;
    }

    /**
     * Returns whether reading continues across successive writers instead of completing when the
     * last writer closes: {@code false} by default.
     *
     * @return whether reading continues across successive writers
     */
    public boolean follow() {
        return follow;
    }

    /**
     * Returns the scheduler whose threads open and read the FIFO and call the subscriber.
     *
     * @return the scheduler set, or {@link Schedulers#boundedElastic()}
     */
    public Scheduler scheduler() {
        return scheduler != null ? scheduler : Schedulers.boundedElastic();
    }

    /**
     * Returns how many bytes one {@code read(2)} asks for: {@link #DEFAULT_READ_BUFFER_SIZE} by
     * default.
     *
     * @return the size of one read in bytes
     */
    public int readBufferSize() {
        return readBufferSize;
    }

    @Override
    public boolean equals(@Nullable Object o) {
        if (this == o) {
            return true;
        }
        if (!(o instanceof ReadOptions)) {
            return false;
        }
        ReadOptions that = (ReadOptions) o;
        return maxLineLength == that.maxLineLength && follow == that.follow
                && readBufferSize == that.readBufferSize
                && charset.equals(that.charset)
                && malformedInput.equals(that.malformedInput) && Objects.equals(scheduler, that.scheduler)
                && Objects.equals(delimiter, that.delimiter);
    }

    @Override
    public int hashCode() {
        return Objects.hash(charset, maxLineLength, malformedInput, follow, scheduler, readBufferSize, delimiter);
    }

    @Override
    public String toString() {
        return "ReadOptions{charset=" + charset + ", maxLineLength=" + maxLineLength
                + ", malformedInput=" + malformedInput + ", follow=" + follow
                + ", scheduler=" + (scheduler != null ? scheduler : "boundedElastic")
                + ", readBufferSize=" + readBufferSize
                + (delimiter != null ? ", delimiter=" + Delimiter.describe(delimiter) : "") + '}';
    }
}
