package dev.reactorfifo.tck;

import dev.reactorfifo.FifoSink;
import dev.reactorfifo.NamedPipe;
import org.reactivestreams.Publisher;
import reactor.core.publisher.Sinks;

/**
 * The Reactive Streams TCK on {@link FifoSink#done()}: each publisher is the outcome of a sink
 * that was given three lines and completed, on a real FIFO that a {@code cat} process reads.
 * {@code done()} reports the same outcome to every subscriber, late ones too, so the TCK's
 * multi-subscriber rules apply to it as well.
 */
public class SinkDonePublisherTckTest extends VoidPublisherTck {

    @Override
    public Publisher<Void> createPublisher(long elements) {
        NamedPipe pipe = fifos.newPipe();
        fifos.readerOf(pipe);
        FifoSink sink = fifos.keep(pipe.sink());
        for (String line : new String[] {"first line", "second line", "third line"}) {
            expectResult(Sinks.EmitResult.OK, sink.tryEmitNext(line), line);
        }
        expectResult(Sinks.EmitResult.OK, sink.tryEmitComplete(), "the completion");
        return sink.done();
    }

    /** A sink on a path where no FIFO is: its {@code done()} fails with {@code NoSuchFileException}. */
    @Override
    public Publisher<Void> createFailedPublisher() {
        return fifos.keep(NamedPipe.of(fifos.missingPath()).sink()).done();
    }
}
