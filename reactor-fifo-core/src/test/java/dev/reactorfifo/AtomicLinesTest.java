package dev.reactorfifo;

import static org.assertj.core.api.Assertions.assertThat;

import dev.reactorfifo.FifoTestSupport.Peer;
import java.io.BufferedReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.zip.CRC32;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import reactor.core.publisher.Flux;

/**
 * Several writers sharing one FIFO: with {@code atomicWrites(true)} no line is ever torn; the
 * control run with {@code atomicWrites(false)} shows that the check does detect tearing.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class AtomicLinesTest {

    private static final int WRITERS = 4;
    private static final int LINES_PER_WRITER = 20_000;
    private static final int MAX_PAYLOAD = 3_950; // + header: lines up to about 4,000 bytes

    @TempDir
    Path dir;

    @Test
    void concurrentWritersNeverTearEachOthersLines() throws Exception {
        Tally tally = writeConcurrently(true);
        assertThat(tally.torn).as("torn lines").isZero();
        assertThat(tally.outOfOrder).as("lines out of their writer's order").isZero();
        assertThat(tally.perWriter).as("lines received per writer").containsOnly(LINES_PER_WRITER);
    }

    @Test
    void theControlRunWithoutAtomicityDoesTear() throws Exception {
        Tally tally = writeConcurrently(false);
        assertThat(tally.torn).as("64 KiB batches from four writers interleave").isPositive();
    }

    private Tally writeConcurrently(boolean atomic) throws Exception {
        NamedPipe pipe = NamedPipe.create(dir.resolve("shared-" + atomic));
        Path out = dir.resolve("received-" + atomic);
        try (Peer reader = Peer.start(out, "cat", pipe.path().toString())) {
            Flux.range(0, WRITERS)
                    .flatMap(id -> pipe.writeLines(lines(id), WriteOptions.defaults().atomicWrites(atomic)),
                            WRITERS)
                    .then()
                    .block(Duration.ofSeconds(90));
            assertThat(reader.awaitExit(Duration.ofSeconds(30))).isZero();
        }
        try {
            return check(out);
        } finally {
            Files.deleteIfExists(out);
        }
    }

    /** {@code <writer> <sequence> <payload length> <crc32 of payload> <payload>} */
    private static Flux<String> lines(int writer) {
        return Flux.defer(() -> {
            Random random = new Random(1000 + writer);
            return Flux.range(0, LINES_PER_WRITER).map(seq -> {
                char[] payload = new char[random.nextInt(MAX_PAYLOAD + 1)];
                for (int i = 0; i < payload.length; i++) {
                    payload[i] = (char) ('a' + random.nextInt(26));
                }
                String p = new String(payload);
                return writer + " " + seq + " " + p.length() + " " + crc(p) + " " + p;
            });
        }).subscribeOn(reactor.core.scheduler.Schedulers.boundedElastic()).hide();
    }

    private static long crc(String payload) {
        CRC32 crc = new CRC32();
        crc.update(payload.getBytes(StandardCharsets.US_ASCII));
        return crc.getValue();
    }

    static final class Tally {
        long torn;
        long outOfOrder;
        final int[] perWriter = new int[WRITERS];
        private final int[] next = new int[WRITERS];
    }

    private static Tally check(Path out) throws Exception {
        Tally tally = new Tally();
        try (BufferedReader r = Files.newBufferedReader(out, StandardCharsets.US_ASCII)) {
            for (String line; (line = r.readLine()) != null; ) {
                String[] f = line.split(" ", 5);
                try {
                    int writer = Integer.parseInt(f[0]);
                    int seq = Integer.parseInt(f[1]);
                    int length = Integer.parseInt(f[2]);
                    long crc = Long.parseLong(f[3]);
                    String payload = f.length == 5 ? f[4] : "";
                    if (payload.length() != length || crc(payload) != crc) {
                        tally.torn++;
                        continue;
                    }
                    if (seq != tally.next[writer]) {
                        tally.outOfOrder++;
                    }
                    tally.next[writer] = seq + 1;
                    tally.perWriter[writer]++;
                } catch (RuntimeException unparseable) {
                    tally.torn++;
                }
            }
        }
        return tally;
    }
}
