package dev.reactorfifo.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.reactorfifo.WriteOptions;
import java.io.IOException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicReference;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;
import reactor.core.CoreSubscriber;
import reactor.core.publisher.Sinks;

/**
 * {@link BoundedFifoSink#whenWritable()} against a writer that writes nothing by itself: the test
 * counts lines as written through the sink's own counter, one step at a time, and plays the
 * writer's outcome, so when the wait ends is pinned to the line.
 */
class RoomWaitTest {

    private BoundedFifoSink.@Nullable WrittenLines written;
    private @Nullable CoreSubscriber<Void> outcome;
    /** Takes the signals and writes nothing: lines count as written only when a test says so. */
    private final SinkWriterStub writer = new SinkWriterStub();

    private BoundedFifoSink fullSink(int bufferSize) {
        BoundedFifoSink sink = new BoundedFifoSink("/room/fifo", WriteOptions.defaults().bufferSize(bufferSize),
                (outcome, linesWritten, staged) -> {
                    this.outcome = outcome;
                    this.written = linesWritten;
                    return writer;
                });
        for (int i = 0; i < bufferSize; i++) {
            assertThat(sink.tryEmitNext("line " + i)).isEqualTo(Sinks.EmitResult.OK);
        }
        assertThat(sink.tryEmitNext("one too many")).isEqualTo(Sinks.EmitResult.FAIL_OVERFLOW);
        return sink;
    }

    @Test
    void theWaitEndsWhenHalfTheBufferIsWritten() {
        BoundedFifoSink sink = fullSink(8);
        CompletableFuture<Void> room = sink.whenWritable().toFuture();
        written.add(3);
        assertThat(room).as("5 of 8 lines unwritten").isNotDone();
        written.add(1);
        assertThat(room).as("4 of 8 lines unwritten: room").isDone();
        assertThat(sink.tryEmitNext("next")).isEqualTo(Sinks.EmitResult.OK);
    }

    @Test
    void withABufferOfOneLineTheWaitEndsWhenThatLineIsWritten() {
        BoundedFifoSink sink = fullSink(1);
        CompletableFuture<Void> room = sink.whenWritable().toFuture();
        assertThat(room).isNotDone();
        written.add(1);
        assertThat(room).isDone();
    }

    @Test
    void callersWhoComeWhileOneWaitsAreLetGoTogether() {
        BoundedFifoSink sink = fullSink(8);
        CompletableFuture<Void> first = sink.whenWritable().toFuture();
        CompletableFuture<Void> second = sink.whenWritable().toFuture();
        assertThat(first).isNotDone();
        assertThat(second).isNotDone();
        written.add(4);
        assertThat(first).isDone();
        assertThat(second).isDone();
        written.add(4);
        CompletableFuture<Void> after = sink.whenWritable().toFuture();
        assertThat(after).as("all written: room at once").isDone();
    }

    /** The review's case: a completion with no reader writes nothing, and must still end the wait. */
    @Test
    void aCompletionEndsTheWaitThoughNothingIsWritten() {
        BoundedFifoSink sink = fullSink(4);
        CompletableFuture<Void> room = sink.whenWritable().toFuture();
        assertThat(room).isNotDone();
        assertThat(sink.tryEmitComplete()).isEqualTo(Sinks.EmitResult.OK);
        assertThat(room).isDone();
        assertThat(sink.tryEmitNext("late")).isEqualTo(Sinks.EmitResult.FAIL_TERMINATED);
    }

    @Test
    void anErrorEmittedEndsTheWait() {
        BoundedFifoSink sink = fullSink(4);
        CompletableFuture<Void> room = sink.whenWritable().toFuture();
        assertThat(room).isNotDone();
        assertThat(sink.tryEmitError(new IllegalStateException("stop"))).isEqualTo(Sinks.EmitResult.OK);
        assertThat(room).isDone();
    }

    @Test
    void disposeEndsTheWait() {
        BoundedFifoSink sink = fullSink(4);
        CompletableFuture<Void> room = sink.whenWritable().toFuture();
        assertThat(room).isNotDone();
        sink.dispose();
        assertThat(room).isDone();
        assertThat(sink.whenWritable().toFuture()).as("after the dispose: at once").isDone();
        assertThat(sink.tryEmitNext("late")).isEqualTo(Sinks.EmitResult.FAIL_CANCELLED);
    }

    /**
     * A writer that fails first cancels the sink's chunk source (which refuses further lines), and
     * reports its error after closing the FIFO: waits end only then, once done() has the reason,
     * which the woken emitter may ask; one that joins in between is not let go early.
     */
    @Test
    void aWriterFailureEndsTheWaitAfterDoneHasTheReason() {
        BoundedFifoSink sink = fullSink(4);
        AtomicReference<String> doneWhenWoken = new AtomicReference<>("not woken");
        CompletableFuture<Void> doneFuture = sink.done().toFuture();
        sink.whenWritable().subscribe(null, null, () -> doneWhenWoken.set(
                doneFuture.isCompletedExceptionally() ? "failed" : "not failed yet"));
        writer.chunks.cancel(); // as the failing writer's drain does first
        assertThat(sink.tryEmitNext("refused")).isEqualTo(Sinks.EmitResult.FAIL_TERMINATED);
        CompletableFuture<Void> joined = sink.whenWritable().toFuture();
        assertThat(joined).as("done() has no outcome yet").isNotDone();
        assertThat(doneWhenWoken).hasValue("not woken");
        outcome.onError(new IOException("the writer failed"));
        assertThat(doneWhenWoken).hasValue("failed");
        assertThat(joined).isDone();
        assertThat(sink.whenWritable().toFuture()).as("after the failure: at once").isDone();
    }

    /** A failing writer whose sink is disposed before it reports (a cancelled writer reports nothing). */
    @Test
    void aDisposeAfterTheWritersCancelEndsTheWait() {
        BoundedFifoSink sink = fullSink(4);
        writer.chunks.cancel();
        CompletableFuture<Void> room = sink.whenWritable().toFuture();
        assertThat(room).isNotDone();
        sink.dispose();
        assertThat(room).isDone();
    }

    /** An emitter woken inside the writer's count may emit again right there. */
    @Test
    void aLineEmittedFromTheWakeUpIsAccepted() {
        BoundedFifoSink sink = fullSink(4);
        AtomicReference<Sinks.@Nullable EmitResult> retried = new AtomicReference<>();
        sink.whenWritable().subscribe(null, null, () -> retried.set(sink.tryEmitNext("retried")));
        written.add(2);
        assertThat(retried).hasValue(Sinks.EmitResult.OK);
    }
}
