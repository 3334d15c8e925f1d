package dev.reactorfifo.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.reactorfifo.WriteOptions;
import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;
import org.reactivestreams.Subscription;
import reactor.core.publisher.Sinks;

/**
 * When a {@link BoundedFifoSink}'s hand-over of a full chunk signals its writer, one emit at a
 * time, with a writer that only records the signals (it writes nothing, so what is accepted stays
 * unwritten). Lines of 200 bytes in chunks of 512 (the limit before the FIFO's PIPE_BUF is known):
 * every second line starts a new chunk, so emits 3, 5, 7, ... each hand one over.
 */
class ChunkGroupingTest {

    private static final String LINE = "x".repeat(199);

    @Test
    void everyHandOverSignalsWhenNoDeferredFlushIsPending() {
        SignalRecorder writer = new SignalRecorder(false);
        BoundedFifoSink sink = sink(writer, 1024);
        List<Integer> signalled = emit(sink, writer, 9);
        assertThat(signalled).as("the first line, then each hand-over").containsExactly(1, 3, 5, 7, 9);
    }

    @Test
    void whileADeferredFlushIsPendingEveryFourthHandOverSignals() {
        SignalRecorder writer = new SignalRecorder(true);
        BoundedFifoSink sink = sink(writer, 1024);
        List<Integer> signalled = emit(sink, writer, 17);
        assertThat(signalled).as("the first line, then the 4th and 8th hand-over (emits 9 and 17)")
                .containsExactly(1, 9, 17);
    }

    @Test
    void aHandOverSignalsOnceTwoMoreChunksWouldNotFitInBufferSize() {
        SignalRecorder writer = new SignalRecorder(true);
        BoundedFifoSink sink = sink(writer, 8);
        List<Integer> signalled = emit(sink, writer, 7);
        // before emit 7, 6 lines are accepted and unwritten: two more chunks of 2 would exceed 8
        assertThat(signalled).containsExactly(1, 7);
    }

    private static BoundedFifoSink sink(SignalRecorder writer, int bufferSize) {
        return new BoundedFifoSink("/grouping/fifo", WriteOptions.defaults().bufferSize(bufferSize),
                (outcome, written, staged) -> writer);
    }

    /** @return the (1-based) emits that signalled the writer */
    private static List<Integer> emit(BoundedFifoSink sink, SignalRecorder writer, int lines) {
        List<Integer> signalled = new ArrayList<>();
        for (int i = 1; i <= lines; i++) {
            int before = writer.signals;
            assertThat(sink.tryEmitNext(LINE)).as("emit %d", i).isEqualTo(Sinks.EmitResult.OK);
            if (writer.signals > before) {
                signalled.add(i);
            }
        }
        return signalled;
    }

    /** A writer that counts "there are lines" and answers whether a deferred flush is pending. */
    private static final class SignalRecorder implements BoundedFifoSink.Writer {
        private final boolean flushPending;
        int signals;

        SignalRecorder(boolean flushPending) {
            this.flushPending = flushPending;
        }

        @Override
        public boolean flushPending() {
            return flushPending;
        }

        @Override
        public void onSubscribe(Subscription s) {
        }

        @Override
        public void onNext(@Nullable Object unused) {
            signals++;
        }

        @Override
        public void onError(Throwable t) {
        }

        @Override
        public void onComplete() {
        }

        @Override
        public void request(long n) {
        }

        @Override
        public void cancel() {
        }
    }
}
