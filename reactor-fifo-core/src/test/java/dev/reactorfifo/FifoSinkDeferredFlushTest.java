package dev.reactorfifo;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.FileInputStream;
import java.io.InputStreamReader;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.Charset;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CharsetEncoder;
import java.nio.charset.CoderResult;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import reactor.core.publisher.Sinks.EmitResult;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;

/**
 * A {@link FifoSink}'s deferred flush that finds an emit holding the staged lines: it must take
 * them later by itself, since that emit does not signal for lines it merely adds. Made certain
 * with a charset whose encoder, inside the emit of a line with a {@code #}, lets the scheduler's
 * one thread run the deferred flush and waits until the thread has run it. On a scheduler with a
 * timer and on one without (made from a plain executor, which rejects delayed tasks): a review
 * found the lines stranded there until the completion.
 */
class FifoSinkDeferredFlushTest extends FifoTestCase {

    /** ISO-8859-1, but encoding a {@code #} runs {@link #hook} once. */
    static final class HookedLatin1 extends Charset {
        static volatile Runnable hook;

        HookedLatin1() {
            super("x-reactor-fifo-test-hooked-latin1", null);
        }

        @Override
        public boolean contains(Charset cs) {
            return cs.equals(StandardCharsets.ISO_8859_1) || cs.equals(StandardCharsets.US_ASCII);
        }

        @Override
        public CharsetDecoder newDecoder() {
            return StandardCharsets.ISO_8859_1.newDecoder();
        }

        @Override
        public CharsetEncoder newEncoder() {
            return new CharsetEncoder(this, 1, 1) {
                @Override
                protected CoderResult encodeLoop(CharBuffer in, ByteBuffer out) {
                    while (in.hasRemaining()) {
                        if (!out.hasRemaining()) {
                            return CoderResult.OVERFLOW;
                        }
                        char c = in.get();
                        Runnable h = hook;
                        if (c == '#' && h != null) {
                            hook = null;
                            h.run();
                        }
                        out.put((byte) c);
                    }
                    return CoderResult.UNDERFLOW;
                }
            };
        }
    }

    @ParameterizedTest(name = "scheduler with a timer: {0}")
    @ValueSource(booleans = {true, false})
    void aDeferredFlushThatFindsAnEmitHoldingTheLinesTakesThemLater(boolean timer) throws Exception {
        ExecutorService pool = timer ? Executors.newScheduledThreadPool(1) : Executors.newSingleThreadExecutor();
        Scheduler scheduler = Schedulers.fromExecutorService(pool);
        BlockingQueue<String> read = new LinkedBlockingQueue<>();
        CountDownLatch readOn = new CountDownLatch(1);
        // reads one byte at a time, so that it leaves unread bytes in the pipe when it stops
        Thread reader = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(
                    new FileInputStream(pipe.path().toFile()), StandardCharsets.ISO_8859_1), 1)) {
                read.add(r.readLine());
                readOn.await();
                for (String line; (line = r.readLine()) != null; ) {
                    read.add(line);
                }
            } catch (Exception e) {
                read.add("reader failed: " + e);
            }
        }, "test-reader");
        reader.start();
        FifoSink sink = pipe.sink(WriteOptions.defaults().charset(new HookedLatin1()).scheduler(scheduler));
        try {
            assertThat(sink.tryEmitNext("a")).isEqualTo(EmitResult.OK);
            assertThat(read.poll(WAIT.toMillis(), TimeUnit.MILLISECONDS)).isEqualTo("a"); // open; the reader stops
            assertThat(sink.tryEmitNext("b")).isEqualTo(EmitResult.OK); // the reader waits: written at once
            CountDownLatch poolHeld = new CountDownLatch(1);
            pool.submit(() -> {
                poolHeld.await(); // the scheduler's one thread waits here
                return null;
            });
            assertThat(sink.tryEmitNext("c")).isEqualTo(EmitResult.OK); // unread bytes: a deferred flush is queued
            HookedLatin1.hook = () -> { // inside "#d"'s emit, which holds the staged lines
                CountDownLatch flushRan = new CountDownLatch(1);
                pool.submit(flushRan::countDown); // queued behind the deferred flush
                poolHeld.countDown();
                try {
                    assertThat(flushRan.await(WAIT.toMillis(), TimeUnit.MILLISECONDS)).isTrue();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            };
            assertThat(sink.tryEmitNext("#d")).isEqualTo(EmitResult.OK);
            readOn.countDown();
            List<String> lines = new ArrayList<>();
            long deadline = System.nanoTime() + WAIT.toNanos();
            while (lines.size() < 3 && System.nanoTime() < deadline) {
                String line = read.poll(50, TimeUnit.MILLISECONDS);
                if (line != null) {
                    lines.add(line);
                }
            }
            assertThat(lines).as("read without a completion").containsExactly("b", "c", "#d");
        } finally {
            HookedLatin1.hook = null;
            sink.tryEmitComplete();
            sink.done().onErrorComplete().block(WAIT);
            reader.join(WAIT.toMillis());
            pool.shutdownNow();
        }
    }
}
