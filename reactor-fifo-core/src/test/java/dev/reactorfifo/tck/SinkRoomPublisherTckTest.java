package dev.reactorfifo.tck;

import dev.reactorfifo.FifoSink;
import dev.reactorfifo.NamedPipe;
import dev.reactorfifo.WriteOptions;
import org.jspecify.annotations.Nullable;
import org.reactivestreams.Publisher;
import reactor.core.publisher.Sinks;

/**
 * The Reactive Streams TCK on {@link FifoSink#whenWritable()}: each publisher is the wait for room
 * of a full sink ({@code bufferSize} 2, two lines accepted) on a real FIFO that a {@code cat}
 * process reads, so it completes once the lines are written, on the sink's writing thread. The
 * wait never fails (it completes when the sink ends, too), so there is no failed publisher.
 */
public class SinkRoomPublisherTckTest extends VoidPublisherTck {

    @Override
    public Publisher<Void> createPublisher(long elements) {
        NamedPipe pipe = fifos.newPipe();
        FifoSink sink = fifos.keep(pipe.sink(WriteOptions.defaults().bufferSize(2)));
        for (String line : new String[] {"first line", "second line"}) {
            expectResult(Sinks.EmitResult.OK, sink.tryEmitNext(line), line);
        }
        expectResult(Sinks.EmitResult.FAIL_OVERFLOW, sink.tryEmitNext("third line"), "a third line");
        fifos.readerOf(pipe);
        return sink.whenWritable();
    }

    @Override
    public @Nullable Publisher<Void> createFailedPublisher() {
        return null;
    }
}
