package dev.reactorfifo;

import dev.reactorfifo.internal.BoundedFifoSink;
import dev.reactorfifo.internal.FifoLifecycle;
import dev.reactorfifo.internal.FifoReadFlux;
import dev.reactorfifo.internal.FifoWriteMono;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.EnumSet;
import java.util.Objects;
import java.util.Set;
import org.jspecify.annotations.Nullable;
import org.reactivestreams.Publisher;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

/**
 * A POSIX named pipe (FIFO) at a path: its lifecycle ({@link #create}, {@link #createIfAbsent},
 * {@link #createTemp()}, {@link #deleteIfExists()}) and its use as a Reactor stream of lines
 * ({@link #lines()}, {@link #writeLines}, {@link #sink()}) or of bytes ({@link #bytes()},
 * {@link #writeBytes}).
 *
 * <p>A {@code NamedPipe} is an immutable handle to a path: it holds no descriptor. Every
 * subscription to {@link #lines()} or {@link #writeLines} opens its own descriptor on its
 * scheduler and closes it when it terminates or is cancelled.
 *
 * <pre>{@code
 * NamedPipe pipe = NamedPipe.createIfAbsent(Path.of("/tmp/data_pipe"));
 * pipe.lines()
 *     .filter(line -> line.startsWith("ERROR"))
 *     .subscribe(System.out::println);
 * }</pre>
 *
 * <p>Linux is the target and the only system tested; macOS should work where POSIX allows (the
 * poll(2) poller finds an EOF its {@code poll} may not report) but is untested. On Windows, whose named pipes
 * are a different thing, every method that touches the file system throws
 * {@link UnsupportedOperationException}.
 *
 * <p>Security: anyone who can open the FIFO for writing can inject lines, and anyone who can open
 * it for reading can take them; its permissions are the access control. New FIFOs are
 * {@code rw-------} unless the caller asks otherwise, whatever the process umask (which is never
 * changed).
 */
public final class NamedPipe {

    private static final Set<PosixFilePermission> OWNER_READ_WRITE =
            EnumSet.of(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE);

    private final Path path;
    /** The private folder {@link #createTemp()} made around the FIFO, removed with it. */
    private final @Nullable Path ownedDirectory;
    /**
     * The FIFO at the path was made or checked by this library: opens refuse a symbolic link
     * there ({@code O_NOFOLLOW}), so the FIFO checked is the one used.
     */
    private final boolean checked;

    private NamedPipe(Path path, @Nullable Path ownedDirectory, boolean checked) {
        this.path = path;
        this.ownedDirectory = ownedDirectory;
        this.checked = checked;
    }

    /**
     * A handle to a FIFO that is expected to exist at {@code path}. No I/O: a missing path or a
     * path that is not a FIFO is reported when the pipe is read or written. A symbolic link at
     * {@code path} is followed, as the caller chose that path; the pipes that {@link #create},
     * {@link #createIfAbsent} and {@link #createTemp()} return never follow one.
     *
     * @param path the path of the FIFO
     * @return a handle to the FIFO at {@code path}
     */
    public static NamedPipe of(Path path) {
        return new NamedPipe(Objects.requireNonNull(path, "path"), null, false);
    }

    /**
     * Creates a FIFO readable and writable by its owner only ({@code rw-------}).
     *
     * @param path where to create the FIFO
     * @return a handle to the new FIFO
     * @throws FileAlreadyExistsException if anything exists at {@code path}
     * @throws NoSuchFileException if the parent folder does not exist
     * @throws AccessDeniedException if the parent folder is not writable
     * @throws IOException if another I/O error occurs ({@code mkfifo} or {@code chmod} fails)
     * @throws UnsupportedOperationException without native POSIX support (Windows)
     */
    public static NamedPipe create(Path path) throws IOException {
        return create(path, OWNER_READ_WRITE);
    }

    /**
     * Creates a FIFO with exactly {@code permissions}, whatever the process umask: {@code mkfifo}
     * followed by {@code chmod}. The umask is never changed.
     *
     * @param path where to create the FIFO
     * @param permissions the permissions of the new FIFO, applied exactly
     * @return a handle to the new FIFO
     * @throws FileAlreadyExistsException if anything exists at {@code path}
     * @throws NoSuchFileException if the parent folder does not exist
     * @throws AccessDeniedException if the parent folder is not writable
     * @throws IOException if another I/O error occurs ({@code mkfifo} or {@code chmod} fails)
     * @throws UnsupportedOperationException without native POSIX support (Windows)
     */
    public static NamedPipe create(Path path, Set<PosixFilePermission> permissions) throws IOException {
        Objects.requireNonNull(path, "path");
        Objects.requireNonNull(permissions, "permissions");
        FifoLifecycle.create(path.toString(), FifoLifecycle.mode(permissions));
        return new NamedPipe(path, null, true);
    }

    /**
     * {@link #createIfAbsent(Path, Set)} with {@code rw-------}.
     *
     * @param path where to create the FIFO, or the existing FIFO to reuse
     * @return a handle to the new or reused FIFO
     * @throws NotAFifoException if something other than a FIFO exists at {@code path}
     * @throws UnsafeFifoException if the existing FIFO belongs to another user or its
     *     permissions are wider than {@code rw-------}
     * @throws IOException if the FIFO cannot be created or checked, as in
     *     {@link #createIfAbsent(Path, Set)}
     * @throws UnsupportedOperationException without native POSIX support (Windows)
     */
    public static NamedPipe createIfAbsent(Path path) throws IOException {
        return createIfAbsent(path, OWNER_READ_WRITE);
    }

    /**
     * Creates a FIFO as {@link #create(Path, Set)} does, or reuses the one already at
     * {@code path}, but only if this user owns it and its permissions are no wider than
     * {@code permissions}: a FIFO planted in a shared folder by someone else could inject or
     * steal lines.
     *
     * @param path where to create the FIFO, or the existing FIFO to reuse
     * @param permissions the permissions of a new FIFO, applied exactly, and the widest an
     *     existing one may have
     * @return a handle to the new or reused FIFO
     * @throws NotAFifoException if something other than a FIFO exists at {@code path}
     * @throws UnsafeFifoException if the existing FIFO belongs to another user or is more widely
     *     accessible than requested, or if a symbolic link is at {@code path} (it could point at one
     *     of this user's other FIFOs); the pipe returned opens with {@code O_NOFOLLOW}, so a link
     *     swapped in later is refused too, not followed
     * @throws IOException if the FIFO cannot be created or checked, for example
     *     {@link NoSuchFileException} if the parent folder does not exist or
     *     {@link AccessDeniedException} if it is not writable
     * @throws UnsupportedOperationException without native POSIX support (Windows)
     */
    public static NamedPipe createIfAbsent(Path path, Set<PosixFilePermission> permissions) throws IOException {
        Objects.requireNonNull(path, "path");
        Objects.requireNonNull(permissions, "permissions");
        FifoLifecycle.createIfAbsent(path.toString(), FifoLifecycle.mode(permissions));
        return new NamedPipe(path, null, true);
    }

    /**
     * Creates a {@code rw-------} FIFO named {@code fifo} inside a fresh private ({@code rwx------})
     * temporary folder; {@link #deleteIfExists()} removes both.
     *
     * @return a handle to the new FIFO
     * @throws IOException if the temporary folder or the FIFO cannot be created
     * @throws UnsupportedOperationException without native POSIX support (Windows)
     */
    public static NamedPipe createTemp() throws IOException {
        Path directory = FifoLifecycle.createPrivateTempDirectory();
        Path fifo = directory.resolve("fifo");
        try {
            FifoLifecycle.create(fifo.toString(), FifoLifecycle.mode(OWNER_READ_WRITE));
        } catch (IOException | RuntimeException e) {
            FifoLifecycle.deleteDirectoryQuietly(directory, e);
            throw e;
        }
        return new NamedPipe(fifo, directory, true);
    }

    /**
     * Returns the path of the FIFO this handle refers to.
     *
     * @return the path of the FIFO
     */
    public Path path() {
        return path;
    }

    /**
     * Deletes the FIFO (and the private folder of {@link #createTemp()}). Open descriptors keep
     * working: the pipe lives on until its last descriptor closes, but nobody can open it anew.
     *
     * @return {@code true} if a FIFO was deleted, {@code false} if nothing was there
     * @throws NotAFifoException if {@code path} is something else (which is left in place)
     * @throws IOException if another I/O error occurs, for example {@link AccessDeniedException}
     *     if the folder holding the FIFO is not writable, or
     *     {@link java.nio.file.DirectoryNotEmptyException} if the private folder of
     *     {@link #createTemp()} holds something else, which is left in place with the folder (the
     *     FIFO is deleted; a later call throws the same until the folder is emptied)
     * @throws UnsupportedOperationException without native POSIX support (Windows)
     */
    public boolean deleteIfExists() throws IOException {
        boolean deleted = FifoLifecycle.deleteIfExists(path.toString());
        if (ownedDirectory != null) {
            java.nio.file.Files.deleteIfExists(ownedDirectory);
        }
        return deleted;
    }

    /**
     * {@link #lines(ReadOptions)} with {@link ReadOptions#defaults()}.
     *
     * @return a cold Flux of the lines written into the FIFO
     */
    public Flux<String> lines() {
        return lines(ReadOptions.defaults());
    }

    /**
     * The lines written into the FIFO, as a cold Flux: each subscriber opens its own read end.
     * Two subscribers to the same FIFO compete for its bytes (the kernel splits them between the
     * descriptors, tearing lines); use {@code share()} to fan one stream out.
     *
     * <p><b>Threads.</b> Subscribing never blocks, and no system call of the library does. The
     * FIFO is opened and read on {@code options.scheduler()}, whose thread also calls
     * {@code onNext}, {@code onComplete} and {@code onError}: a batch of lines per read, without a
     * thread hop per line. Waiting for a writer or for data holds no thread of that scheduler: one
     * daemon thread of the library ({@code reactor-fifo-poller}, epoll on Linux, poll(2)
     * elsewhere) waits for every FIFO of the process and, when one is ready, schedules its read
     * on its scheduler again. So an idle FIFO costs a descriptor and a registration, and
     * thousands of them can wait on {@code boundedElastic()}, on virtual threads, or on
     * {@code parallel()}. A pipe that answered its last wait within a millisecond
     * (request-response traffic) waits up to 5 ms on its own thread first, which saves the
     * poller's wake-up per message; only on platform threads of a scheduler that allows blocking,
     * at most one thread per CPU. With no demand nothing more is read (when demand runs out it
     * looks once, without waiting, whether the writer is already gone, so that the Flux can
     * complete), so a fast writer blocks on the full pipe: backpressure crosses the process
     * boundary.
     *
     * <p><b>Lines.</b> Unless {@link ReadOptions#delimiter(String)} sets one exact delimiter,
     * terminators are those of {@code BufferedReader.readLine}: {@code \n},
     * {@code \r\n} or a lone {@code \r}; they are not part of the line. At the last writer's EOF
     * an unterminated fragment is emitted as the final line, then the Flux completes (or, with
     * {@link ReadOptions#follow(boolean) follow(true)}, waits for the next writer).
     *
     * <p><b>Cancellation</b> at any moment releases the thread and closes the descriptor promptly,
     * without touching other processes using the FIFO.
     *
     * <p><b>Errors</b>, each naming the path: {@link NoSuchFileException} (also when the path is
     * gone as follow mode reopens), {@link NotAFifoException}, {@link AccessDeniedException},
     * {@link LineTooLongException}, {@link MalformedLineException} (with {@code REPORT}),
     * {@link IllegalStateException} for {@code Schedulers.immediate()},
     * {@link UnsupportedOperationException} without native POSIX support (or, on JDK 24+, when
     * native access is denied: its message names the {@code --enable-native-access} flag).
     *
     * @param options how to decode, frame and schedule the reads
     * @return a cold Flux of the lines written into the FIFO
     */
    public Flux<String> lines(ReadOptions options) {
        Objects.requireNonNull(options, "options");
        return FifoReadFlux.lines(path.toString(), options, checked);
    }

    /**
     * {@link #bytes(ReadOptions)} with {@link ReadOptions#defaults()}.
     *
     * @return a cold Flux of the bytes written into the FIFO, one buffer per read
     */
    public Flux<ByteBuffer> bytes() {
        return bytes(ReadOptions.defaults());
    }

    /**
     * The bytes written into the FIFO, in order, as a cold Flux: one element per {@code read(2)},
     * each a fresh heap buffer that the subscriber owns (the library never touches it again), at
     * position 0 and holding at most {@link ReadOptions#readBufferSize()} bytes. For binary peers
     * (media encoders, compressed archives, length-prefixed records) and for bridging to byte
     * APIs: {@code pipe.bytes().map(DefaultDataBufferFactory.sharedInstance::wrap)} is a Spring
     * {@code Flux<DataBuffer>}, without a copy.
     *
     * <p>Everything {@link #lines(ReadOptions)} says holds the same way: each subscriber opens its
     * own read end on {@code options.scheduler()}, whose thread calls {@code onNext}; waiting holds
     * no thread; nothing is read without demand, so a fast writer blocks on the full pipe (a
     * subscriber that asks for one buffer at a time holds at most two reads' worth: the one it has
     * and the one read to see whether the writer is gone); with
     * {@link ReadOptions#follow(boolean) follow(true)} it reads across successive writers;
     * cancellation closes the descriptor promptly without touching other processes. EOF
     * completes. The charset, line and delimiter options do not apply.
     *
     * <p><b>Errors</b>, each naming the path: {@link NoSuchFileException}, {@link NotAFifoException},
     * {@link AccessDeniedException}, {@link IllegalStateException} for
     * {@code Schedulers.immediate()}, {@link UnsupportedOperationException} without native POSIX
     * support, as for {@link #lines(ReadOptions)}.
     *
     * @param options how to read and schedule: {@link ReadOptions#readBufferSize(int)},
     *     {@link ReadOptions#follow(boolean)} and {@link ReadOptions#scheduler(reactor.core.scheduler.Scheduler)}
     * @return a cold Flux of the bytes written into the FIFO, one buffer per read
     */
    public Flux<ByteBuffer> bytes(ReadOptions options) {
        Objects.requireNonNull(options, "options");
        return FifoReadFlux.bytes(path.toString(), options, checked);
    }

    /**
     * {@link #writeLines(Publisher, WriteOptions)} with {@link WriteOptions#defaults()}.
     *
     * @param lines the lines to write, without terminators
     * @return a cold Mono that completes once every line was handed to the pipe and the
     *     descriptor closed
     */
    public Mono<Void> writeLines(Publisher<String> lines) {
        return writeLines(lines, WriteOptions.defaults());
    }

    /**
     * Writes each element of {@code lines}, followed by {@code \n} (or the
     * {@link WriteOptions#delimiter(String) delimiter} of the options), into the FIFO. Cold: nothing
     * happens before subscription; each subscription opens its own write end.
     *
     * <p><b>Threads.</b> Opening and writing while lines keep coming run on
     * {@code options.scheduler()}; no system call of the library blocks. Waiting for a reader
     * (a non-blocking open retried on a timer) or for room in the pipe (the shared poller thread)
     * holds no thread of that scheduler. Whoever emits a line writes it when no other thread is
     * writing, with a non-blocking {@code write(2)} that never waits (a full pipe arms the poller
     * and the rest continues on the scheduler): a lone line or a reply reaches the pipe without a
     * thread wake-up. Lines emitted while a write is in flight join the next one; while the reader
     * has not read what was written before, lines are staged and written together by one deferred
     * flush on the scheduler, so a burst becomes few large writes; a lone line is never held back.
     * Lines are requested only as fast as the pipe accepts them (a slow reader slows the
     * upstream), and by their size: about 256 KiB ahead judged by the longest line so far, at
     * most 64 lines. An upstream that hands its own queue to the writer ({@code publishOn},
     * {@code onBackpressureBuffer}) fills it by its own prefetch whatever is requested: give it a
     * small one ({@code publishOn(scheduler, 4)}) for long lines.
     *
     * <p><b>Completion.</b> The Mono completes after the upstream completed, every line was
     * handed to the pipe and the descriptor closed. Handed to the pipe is not read by anyone.
     *
     * <p><b>Errors</b>, each naming the path: {@link NoReaderException} (with
     * {@code awaitReader(false)}), {@link BrokenPipeException} when the reader goes away (the
     * upstream is cancelled), {@link IllegalArgumentException} for a line containing {@code \n}
     * or {@code \r}, or the delimiter set in the options (none of its bytes is written),
     * {@link java.nio.charset.CharacterCodingException} for a character the charset cannot
     * encode, the path errors of {@link #lines(ReadOptions)} (including
     * {@link IllegalStateException} for {@code Schedulers.immediate()}), and upstream errors
     * (after the descriptor is closed). An upstream error or a refused line is signalled once the
     * lines before it are written (so it waits for a reader that does not read, as a completion
     * does); if the writer fails meanwhile (the reader goes away, the FIFO cannot be opened), it
     * is still the error signalled, with the writer's failure, such as the
     * {@link BrokenPipeException}, suppressed in it.
     *
     * @param lines the lines to write, without terminators; none may contain {@code \n} or
     *     {@code \r} (or, with another delimiter, what a reader with that delimiter would split at)
     * @param options how to encode, delimit, open and schedule the writes
     * @return a cold Mono that completes once every line was handed to the pipe and the
     *     descriptor closed
     */
    public Mono<Void> writeLines(Publisher<String> lines, WriteOptions options) {
        Objects.requireNonNull(lines, "lines");
        Objects.requireNonNull(options, "options");
        return FifoWriteMono.lines(Flux.from(lines), path.toString(), options, checked);
    }

    /**
     * {@link #writeBytes(Publisher, WriteOptions)} with {@link WriteOptions#defaults()}.
     *
     * @param buffers the bytes to write, each buffer's remaining bytes in order
     * @return a cold Mono that completes once every buffer was handed to the pipe and the
     *     descriptor closed
     */
    public Mono<Void> writeBytes(Publisher<ByteBuffer> buffers) {
        return writeBytes(buffers, WriteOptions.defaults());
    }

    /**
     * Writes the remaining bytes of each buffer, in order, into the FIFO, with nothing between
     * them. The buffers are not modified (neither their content nor their position), but they are
     * read after {@code onNext} returns, when the drain stages them: do not change or recycle a
     * buffer once it is emitted. Cold: each subscription opens its own write end.
     *
     * <p>With {@link WriteOptions#atomicWrites(boolean) atomicWrites(true)} (the default) a buffer
     * of at most {@code PIPE_BUF} bytes (4096 on Linux, 512 on macOS) is never split across
     * {@code write(2)} calls, so records of that size from several writer processes never
     * interleave; small buffers are still packed together, up to {@code PIPE_BUF} per write.
     * With {@code false}, writes of up to 64 KiB, for a single writer.
     *
     * <p>Threads, backpressure, completion and cancellation are those of
     * {@link #writeLines(Publisher, WriteOptions)}: nothing blocks, waiting for a reader or for
     * room holds no thread, buffers are requested only as fast as the pipe takes them, and the
     * Mono completes once every buffer was handed to the pipe and the descriptor closed.
     *
     * <p><b>Errors</b>, each naming the path: {@link NoReaderException} (with
     * {@code awaitReader(false)}), {@link BrokenPipeException} when the reader goes away (the
     * upstream is cancelled; {@link BrokenPipeException#linesWritten()} then counts whole
     * buffers), the path errors of {@link #lines(ReadOptions)}, and upstream errors (after the
     * descriptor is closed; once the buffers before them are written, and with a later failure
     * of the writer suppressed in them, as for {@link #writeLines(Publisher, WriteOptions)}).
     *
     * @param buffers the bytes to write, each buffer's remaining bytes in order
     * @param options how to open, batch and schedule the writes (the charset and delimiter do
     *     not apply)
     * @return a cold Mono that completes once every buffer was handed to the pipe and the
     *     descriptor closed
     */
    public Mono<Void> writeBytes(Publisher<ByteBuffer> buffers, WriteOptions options) {
        Objects.requireNonNull(buffers, "buffers");
        Objects.requireNonNull(options, "options");
        return FifoWriteMono.bytes(Flux.from(buffers), path.toString(), options, checked);
    }

    /**
     * {@link #sink(WriteOptions)} with {@link WriteOptions#defaults()}.
     *
     * @return a new sink, whose FIFO is being opened
     */
    public FifoSink sink() {
        return sink(WriteOptions.defaults());
    }

    /**
     * A push-style writer: lines emitted into it are staged by the emitting thread (at most
     * {@link WriteOptions#bufferSize(int)} unwritten at a time) and written with the contract of
     * {@link #writeLines}; the FIFO is opened now, on the options' scheduler. See {@link FifoSink}
     * for which thread writes when.
     *
     * @param options how to encode, open and schedule the writes, and how many unwritten lines the sink holds
     * @return a new sink, whose FIFO is being opened
     * @throws IllegalStateException if the options' scheduler is {@code Schedulers.immediate()}
     */
    public FifoSink sink(WriteOptions options) {
        Objects.requireNonNull(options, "options");
        if (options.scheduler() == Schedulers.immediate()) {
            throw new IllegalStateException(path + ": a FifoSink cannot write on Schedulers.immediate(), which runs"
                    + " work on the emitting thread and on the poller's; use boundedElastic() (the default),"
                    + " parallel() or single()");
        }
        return new BoundedFifoSink(path.toString(), options, checked);
    }

    @Override
    public boolean equals(@Nullable Object o) {
        return o instanceof NamedPipe && ((NamedPipe) o).path.equals(path) && ((NamedPipe) o).checked == checked;
    }

    @Override
    public int hashCode() {
        return path.hashCode() * 31 + Boolean.hashCode(checked);
    }

    @Override
    public String toString() {
        return "NamedPipe[" + path + ']';
    }
}
