package dev.reactorfifo.tck;

import dev.reactorfifo.FifoSink;
import dev.reactorfifo.NamedPipe;
import org.reactivestreams.Publisher;
import org.reactivestreams.tck.PublisherVerification;
import org.testng.annotations.AfterMethod;
import reactor.core.publisher.Sinks;

/**
 * The Reactive Streams TCK on {@link FifoSink#done()}, the other {@code Mono<Void>} the API
 * returns: each publisher is the outcome of a sink that was given three lines and completed, on a
 * real FIFO that a {@code cat} process reads. {@code done()} reports the same outcome to every
 * subscriber, late ones too, so the TCK's multi-subscriber rules apply to it as well.
 *
 * <p>No element, so {@link #maxElementsFromPublisher()} is 0, as for {@code writeLines}.
 */
public class SinkDonePublisherTckTest extends PublisherVerification<Void> {

    private final FifoFixtures fifos = new FifoFixtures();

    public SinkDonePublisherTckTest() {
        super(TckTimeouts.environment(), TckTimeouts.GC_MILLIS);
    }

    @Override
    public Publisher<Void> createPublisher(long elements) {
        NamedPipe pipe = fifos.newPipe();
        fifos.readerOf(pipe);
        FifoSink sink = fifos.keep(pipe.sink());
        for (String line : new String[] {"first line", "second line", "third line"}) {
            expectOk(sink.tryEmitNext(line), line);
        }
        expectOk(sink.tryEmitComplete(), "complete");
        return sink.done();
    }

    /** A sink on a path where no FIFO is: its {@code done()} fails with {@code NoSuchFileException}. */
    @Override
    public Publisher<Void> createFailedPublisher() {
        return fifos.keep(NamedPipe.of(fifos.missingPath()).sink()).done();
    }

    @Override
    public long maxElementsFromPublisher() {
        return 0;
    }

    @AfterMethod(alwaysRun = true)
    public void releaseFifos() throws InterruptedException {
        fifos.releaseAll();
    }

    private static void expectOk(Sinks.EmitResult result, String what) {
        if (result != Sinks.EmitResult.OK) {
            throw new IllegalStateException("the sink refused " + what + ": " + result);
        }
    }
}
