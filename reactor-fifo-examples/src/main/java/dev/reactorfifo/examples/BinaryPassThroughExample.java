package dev.reactorfifo.examples;

import dev.reactorfifo.NamedPipe;
import dev.reactorfifo.WriteOptions;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicLong;
import reactor.core.publisher.Mono;

/**
 * {@code cat} from one FIFO into another, for any bytes: copies everything written into
 * {@code <input-fifo>} into {@code <output-fifo>}, unchanged, until the input's writer closes it,
 * then prints how many bytes it copied.
 *
 * <pre>
 * mkfifo /tmp/in /tmp/out
 * java -cp reactor-fifo-examples.jar dev.reactorfifo.examples.BinaryPassThroughExample /tmp/in /tmp/out &amp;
 * cat /tmp/out &gt; copy.tar.gz &amp;
 * cat backup.tar.gz &gt; /tmp/in
 * </pre>
 *
 * <p>Why a Flux of buffers rather than of lines: a compressed archive, an image or a video stream
 * has no lines. {@link NamedPipe#bytes()} emits what each {@code read(2)} returned, as a fresh
 * buffer, with nothing decoded, framed or dropped; {@link NamedPipe#writeBytes} writes each
 * buffer's bytes as they are, with nothing between them. So the copy is byte for byte, and, as
 * with lines, backpressure crosses the processes: when the output's reader is slow, the
 * pass-through stops reading and the producer blocks in {@code write(2)}. How much it holds until
 * then is {@code writeBytes}' demand, counted in bytes: about four pipe-fulls (256 KiB).
 */
public final class BinaryPassThroughExample {

    private BinaryPassThroughExample() {
    }

    public static void main(String[] args) {
        System.exit(run(args, System.out, System.err));
    }

    /**
     * Copies on Reactor threads and blocks the calling thread until the copy is done.
     *
     * @return 0 when the input ended and all its bytes were written, 1 on an I/O error, 2 on bad usage
     */
    static int run(String[] args, PrintStream out, PrintStream err) {
        if (args.length != 2) {
            err.println("usage: BinaryPassThroughExample <input-fifo> <output-fifo>");
            return ErrorMessages.USAGE;
        }
        NamedPipe input = NamedPipe.of(Path.of(args[0]));
        NamedPipe output = NamedPipe.of(Path.of(args[1]));
        try {
            InputFifo.require(input.path());
            long copied = passThrough(input, output).block();
            out.println("Copied " + copied + " bytes from " + input.path() + " to " + output.path());
            return 0;
        } catch (Exception e) {
            return ErrorMessages.report("Copy error", e, err);
        }
    }

    /**
     * The pass-through itself: completes with the number of bytes copied once the input's writer
     * has closed it and every byte was handed to the output's pipe. Cold: nothing happens until
     * subscription, and each subscription counts for itself.
     *
     * <p>Threads: the input is opened and read on {@code boundedElastic()}; that thread emits each
     * buffer, and writes it too when the output pipe has room (else the output's drain writes it
     * later, on {@code boundedElastic()} again). Waiting for a writer, for a reader, for data or
     * for room holds no thread: the library's poller thread waits.
     */
    static Mono<Long> passThrough(NamedPipe input, NamedPipe output) {
        return Mono.defer(() -> {
            AtomicLong bytes = new AtomicLong();
            // One writer only (this program), so nothing needs writes of at most PIPE_BUF (atomic
            // against other writers): let each write(2) carry up to 64 KiB instead.
            WriteOptions oneWriter = WriteOptions.defaults().atomicWrites(false);
            return output.writeBytes(input.bytes().doOnNext(buffer -> bytes.addAndGet(buffer.remaining())), oneWriter)
                    .then(Mono.fromSupplier(bytes::get));
        });
    }
}
