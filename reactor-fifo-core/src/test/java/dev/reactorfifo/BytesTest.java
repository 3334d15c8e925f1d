package dev.reactorfifo;

import static dev.reactorfifo.FifoTestSupport.shQuote;
import static dev.reactorfifo.FifoTestSupport.waitersOn;
import static org.assertj.core.api.Assertions.assertThat;

import dev.reactorfifo.FifoTestSupport.Peer;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HexFormat;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.test.StepVerifier;

/** {@code bytes()} and {@code writeBytes()} against real peer processes. */
class BytesTest extends FifoTestCase {

    @Test
    void bytesDeliversWhatTheWriterWroteExactlyInFreshBuffers() throws Exception {
        byte[] data = randomBytes(3_000_000, 1);
        Path file = Files.write(dir.resolve("data.bin"), data);
        int readSize = 16 * 1024;
        List<ByteBuffer> buffers;
        try (Peer writer = Peer.sh("cat " + shQuote(file.toString()) + " > " + fifo)) {
            buffers = pipe.bytes(ReadOptions.defaults().readBufferSize(readSize)).collectList().block(WAIT);
            assertThat(writer.awaitExit(WAIT)).isZero();
        }
        MessageDigest sha = MessageDigest.getInstance("SHA-256");
        Set<Object> backingArrays = Collections.newSetFromMap(new IdentityHashMap<>());
        for (ByteBuffer b : buffers) {
            assertThat(b.position()).isZero();
            assertThat(b.remaining()).isBetween(1, readSize);
            assertThat(backingArrays.add(b.array())).as("each buffer is the subscriber's own").isTrue();
            sha.update(b.duplicate());
        }
        assertThat(HexFormat.of().formatHex(sha.digest())).isEqualTo(sha256(data));
    }

    @Test
    void withoutDemandNothingIsReadAndTheWriterBlocks() throws Exception {
        Path big = Files.write(dir.resolve("big.bin"), randomBytes(8 << 20, 2));
        int readSize = 64 * 1024;
        try (Peer writer = Peer.sh("exec cat " + shQuote(big.toString()) + " > " + fifo)) {
            StepVerifier.create(pipe.bytes(ReadOptions.defaults().readBufferSize(readSize)), 1)
                    .expectNextCount(1)
                    .then(() -> LinesTest.awaitConditionUnchecked(
                            () -> LinesTest.bytesWrittenBy(writer.process.pid()) > 64 * 1024, "the writer fills the pipe"))
                    .then(() -> {
                        // what stays still for a while is the writer blocked on the full pipe
                        long before = LinesTest.bytesWrittenBy(writer.process.pid());
                        sleepQuietly(300);
                        long after = LinesTest.bytesWrittenBy(writer.process.pid());
                        assertThat(after).as("the writer is blocked").isEqualTo(before);
                        // the one buffer taken and the one read to look for the end, plus the pipe
                        // (64 KiB) and what cat holds in flight (128 KiB)
                        assertThat(after).as("bytes the writer got rid of").isLessThanOrEqualTo(
                                2L * readSize + 64 * 1024 + 128 * 1024);
                    })
                    .thenRequest(Long.MAX_VALUE)
                    .thenConsumeWhile(b -> true)
                    .expectComplete()
                    .verify(WAIT);
        }
    }

    @Test
    void followModeReadsAcrossSuccessiveWriters() throws Exception {
        ByteArrayCollector received = new ByteArrayCollector();
        Disposable reader = pipe.bytes(ReadOptions.defaults().follow(true)).subscribe(received::add);
        try {
            for (String part : new String[] {"first\\0", "second", "\\377third"}) {
                long before = received.size();
                try (Peer writer = Peer.sh("printf '" + part + "' > " + fifo)) {
                    assertThat(writer.awaitExit(WAIT)).isZero();
                }
                LinesTest.awaitCondition(() -> received.size() > before, "the bytes of " + part);
            }
            LinesTest.awaitCondition(() -> received.size() == 18, "all 18 bytes");
            byte[] expected = "first\0secondXthird".getBytes(java.nio.charset.StandardCharsets.ISO_8859_1);
            expected[12] = (byte) 0xFF;
            assertThat(received.bytes()).isEqualTo(expected);
        } finally {
            reader.dispose();
        }
    }

    @Test
    void bytesReportsAMissingPathAndANonFifo() throws Exception {
        StepVerifier.create(NamedPipe.of(dir.resolve("missing")).bytes())
                .expectError(NoSuchFileException.class)
                .verify(WAIT);
        Path file = Files.writeString(dir.resolve("regular"), "x");
        StepVerifier.create(NamedPipe.of(file).bytes())
                .expectErrorSatisfies(e -> assertThat(e).isInstanceOf(NotAFifoException.class)
                        .hasMessage(file + ": is a regular file, not a FIFO"))
                .verify(WAIT);
    }

    @Test
    void writeBytesWritesEveryBufferInOrderAndLeavesThemAlone() throws Exception {
        Random random = new Random(3);
        List<ByteBuffer> buffers = new ArrayList<>();
        java.io.ByteArrayOutputStream expected = new java.io.ByteArrayOutputStream();
        int[] sizes = {0, 1, 4096, 4097, 65_536, 65_537, 300_000, 7, 0, 20_000};
        for (int i = 0; i < 200; i++) {
            int size = i < sizes.length ? sizes[i] : random.nextInt(10_000);
            byte[] bytes = randomBytes(size + 5, i);
            // a view that starts at 3 and ends 2 before the end: only the remaining bytes count
            ByteBuffer b = (i % 2 == 0 ? ByteBuffer.allocate(size + 5) : ByteBuffer.allocateDirect(size + 5)).put(bytes);
            b.position(3).limit(3 + size);
            expected.write(bytes, 3, size);
            buffers.add(b);
        }
        Path out = dir.resolve("out.bin");
        try (Peer reader = Peer.start(out, "cat", pipe.path().toString())) {
            pipe.writeBytes(Flux.fromIterable(buffers).hide()).block(WAIT);
            assertThat(reader.awaitExit(WAIT)).isZero();
        }
        assertThat(sha256(Files.readAllBytes(out))).isEqualTo(sha256(expected.toByteArray()));
        for (int i = 0; i < buffers.size(); i++) {
            int size = i < sizes.length ? sizes[i] : -1;
            assertThat(buffers.get(i).position()).as("position of buffer %d", i).isEqualTo(3);
            if (size >= 0) {
                assertThat(buffers.get(i).limit()).isEqualTo(3 + size);
            }
        }
    }

    /**
     * Demand for buffers is counted in bytes: a reader that reads nothing holds up a few
     * pipe-fulls of 64 KiB buffers, not 512 of them (32 MiB).
     */
    @Test
    void writeBytesRequestsBuffersByTheirSizeNotByTheirNumber() throws Exception {
        assertHoldsAFewBuffers(false);
        assertHoldsAFewBuffers(true); // an empty first buffer must not unlock a large demand
    }

    private void assertHoldsAFewBuffers(boolean emptyFirst) throws Exception {
        AtomicLong emitted = new AtomicLong();
        Flux<ByteBuffer> large = Flux.generate(sink -> sink.next(ByteBuffer.allocate(64 * 1024)));
        Flux<ByteBuffer> big = (emptyFirst ? Flux.concat(Flux.just(ByteBuffer.allocate(0)), large) : large)
                .doOnNext(b -> emitted.incrementAndGet());
        try (Peer stalled = Peer.sh("exec 3< " + fifo + "; exec sleep 60")) {
            Disposable writer = pipe.writeBytes(big.hide()).subscribe();
            try {
                // the writer's wait for room is armed: the pipe is full, and every buffer it asked
                // for is taken (Flux.generate emits within request), so none is taken until room
                FifoTestSupport.awaitWriterWaitingForRoom(pipe.path());
                // the pipe (64 KiB), the batch (64 KiB), the 256 KiB asked ahead and one in hand
                assertThat(emitted.get()).as("64 KiB buffers taken from the upstream (empty first: %s)", emptyFirst)
                        .isLessThanOrEqualTo(emptyFirst ? 9 : 8);
            } finally {
                writer.dispose();
            }
            LinesTest.awaitCondition(() -> waitersOn(pipe.path()).isEmpty(), "the writer let go");
        }
    }

    @Test
    void writeBytesFailsWithBrokenPipeWhenTheReaderGoesAway() throws Exception {
        AtomicLong cancelled = new AtomicLong();
        Flux<ByteBuffer> endless = Flux.generate(sink -> sink.next(ByteBuffer.wrap(new byte[1000])));
        try (Peer reader = Peer.sh("head -c 10 < " + fifo + " > /dev/null")) {
            StepVerifier.create(pipe.writeBytes(endless.doOnCancel(cancelled::incrementAndGet)))
                    .expectErrorSatisfies(e -> assertThat(e).isInstanceOf(BrokenPipeException.class)
                            .hasMessageContaining(pipe.path() + ": the reader went away")
                            .hasMessageMatching("(?s).*\\d+ buffers? (was|were) written.*"))
                    .verify(WAIT);
            assertThat(reader.awaitExit(WAIT)).isZero();
        }
        assertThat(cancelled).as("the upstream is cancelled").hasValue(1);
    }

    @Test
    void atomicWritesKeepRecordsOfConcurrentWritersWhole() throws Exception {
        assertThat(tornRecords(true)).as("torn records with atomic writes").isZero();
        assertThat(tornRecords(false)).as("the control run without atomic writes does tear").isPositive();
    }

    /** Four writers of 4,000-byte records (at most PIPE_BUF) into one reader: how many come out torn. */
    private long tornRecords(boolean atomic) throws Exception {
        int writers = 4;
        int records = 3000;
        int size = 4000;
        NamedPipe shared = NamedPipe.create(dir.resolve("shared-" + atomic));
        Path out = dir.resolve("records-" + atomic);
        try (Peer reader = Peer.start(out, "cat", shared.path().toString())) {
            Flux.range(0, writers)
                    .flatMap(w -> shared.writeBytes(Flux.range(0, records).map(seq -> record(w, seq, size))
                            .subscribeOn(reactor.core.scheduler.Schedulers.boundedElastic()).hide(),
                            WriteOptions.defaults().atomicWrites(atomic)), writers)
                    .then()
                    .block(java.time.Duration.ofSeconds(60));
            assertThat(reader.awaitExit(WAIT)).isZero();
        }
        byte[] all = Files.readAllBytes(out);
        assertThat(all).hasSize(writers * records * size);
        long torn = 0;
        for (int at = 0; at < all.length; at += size) {
            if (!isWholeRecord(all, at, size)) {
                torn++;
            }
        }
        return torn;
    }

    /** Every byte is the writer's number; the sequence number sits in the first four. */
    private static ByteBuffer record(int writer, int seq, int size) {
        ByteBuffer b = ByteBuffer.allocate(size);
        b.putInt(seq);
        while (b.hasRemaining()) {
            b.put((byte) ('A' + writer));
        }
        return b.flip();
    }

    private static boolean isWholeRecord(byte[] all, int at, int size) {
        byte writer = all[at + size - 1];
        for (int i = at + 4; i < at + size; i++) {
            if (all[i] != writer) {
                return false;
            }
        }
        return true;
    }

    static byte[] randomBytes(int n, long seed) {
        byte[] b = new byte[n];
        new Random(seed).nextBytes(b);
        return b;
    }

    static String sha256(byte[] data) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(data));
    }

    private static void sleepQuietly(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    /** Collects the bytes of the buffers a subscriber receives, from any thread. */
    private static final class ByteArrayCollector {
        private final java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();

        synchronized void add(ByteBuffer b) {
            byte[] copy = new byte[b.remaining()];
            b.duplicate().get(copy);
            bytes.writeBytes(copy);
        }

        synchronized long size() {
            return bytes.size();
        }

        synchronized byte[] bytes() {
            return bytes.toByteArray();
        }
    }
}
