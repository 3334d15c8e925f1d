package dev.reactorfifo.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.reactorfifo.WriteOptions;
import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;
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

    /**
     * A sink of {@code bufferSize} 64 whose writer writes what is queued whenever it is signalled,
     * as the real one does inline; {@code written[0]} is the sink's count of written lines.
     */
    private static BoundedFifoSink sinkWritingWhenSignalled(SignalRecorder writer, BoundedFifoSink.WrittenLines[] written) {
        return new BoundedFifoSink("/grouping/fifo", WriteOptions.defaults().bufferSize(64),
                (outcome, linesWritten, staged) -> {
                    written[0] = linesWritten;
                    writer.writesQueuedInto(linesWritten);
                    return writer;
                });
    }

    /**
     * The review's case: a group of chunks of 12 lines (40-character lines), then 1-character
     * lines, of which a chunk could hold up to bufferSize/2 = 32. Judged by the group's chunks,
     * 36 lines queued left room for two more chunks of 12; had the staged chunk taken 32 short
     * lines, 68 would have been unwritten, beyond bufferSize 64. The staged chunk holds no more
     * than the group's 12, so the fourth hand-over signals first, and the writer (which here writes
     * what is queued when signalled, as the real one does inline) makes room.
     */
    @Test
    void shorterLinesAfterAGroupDoNotOverflow() {
        SignalRecorder writer = new SignalRecorder(true);
        BoundedFifoSink.WrittenLines[] written = new BoundedFifoSink.WrittenLines[1];
        BoundedFifoSink sink = sinkWritingWhenSignalled(writer, written);
        String longLine = "y".repeat(40);
        for (int i = 1; i <= 37; i++) {
            assertThat(sink.tryEmitNext(longLine)).as("long line %d", i).isEqualTo(Sinks.EmitResult.OK);
        }
        assertThat(writer.signals).as("the first line only: three chunks of 12 left to the flush").isEqualTo(1);
        for (int i = 1; i <= 40; i++) {
            assertThat(sink.tryEmitNext("z")).as("short line %d", i).isEqualTo(Sinks.EmitResult.OK);
        }
        assertThat(written[0].get()).as("the group and the capped chunk, written when its fourth chunk signalled")
                .isEqualTo(48);
    }

    /**
     * The second review's case: a group whose chunks hold fewer and fewer lines (21 of 23
     * characters, 14 of 35, 9 of 51, each limited by the 512-byte chunk), then 1-character lines.
     * The third skip judged the room by its own 9 lines (44 queued, 64 - 18 left); a staged chunk
     * capped at the first chunk's 21 lines would have overflowed at the 20th short line. Capped at
     * the group's fewest, 9, the next hand-over signals first.
     */
    @Test
    void aGroupOfFallingLineCountsDoesNotOverflow() {
        SignalRecorder writer = new SignalRecorder(true);
        BoundedFifoSink.WrittenLines[] written = new BoundedFifoSink.WrittenLines[1];
        BoundedFifoSink sink = sinkWritingWhenSignalled(writer, written);
        int emitted = 0;
        for (int[] run : new int[][] {{21, 23}, {14, 35}, {10, 51}}) {
            for (int i = 0; i < run[0]; i++) {
                assertThat(sink.tryEmitNext("w".repeat(run[1]))).as("line %d", ++emitted).isEqualTo(Sinks.EmitResult.OK);
            }
        }
        assertThat(writer.signals).as("the first line only: three chunks left to the flush").isEqualTo(1);
        assertThat(written[0].get()).isZero();
        for (int i = 1; i <= 40; i++) {
            assertThat(sink.tryEmitNext("z")).as("short line %d", i).isEqualTo(Sinks.EmitResult.OK);
        }
        assertThat(written[0].get()).as("the group (21 + 14 + 9 lines) and the capped chunk after it")
                .isGreaterThanOrEqualTo(21 + 14 + 9 + 9);
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

    /**
     * A writer that counts "there are lines" and answers whether a deferred flush is pending; if
     * given the sink's counter of lines written, a signal also "writes" every chunk queued.
     */
    private static final class SignalRecorder extends SinkWriterStub {
        private final boolean flushPending;
        private BoundedFifoSink.@Nullable WrittenLines linesWritten;
        int signals;

        void writesQueuedInto(BoundedFifoSink.WrittenLines counter) {
            this.linesWritten = counter;
        }

        SignalRecorder(boolean flushPending) {
            this.flushPending = flushPending;
        }

        @Override
        public boolean flushPending() {
            return flushPending;
        }

        @Override
        public void onNext(@Nullable Object unused) {
            signals++;
            BoundedFifoSink.WrittenLines counter = linesWritten;
            if (counter != null) {
                Object chunk;
                while ((chunk = chunks.poll()) != null) {
                    counter.add(((LineChunk) chunk).lines);
                }
            }
        }
    }
}
