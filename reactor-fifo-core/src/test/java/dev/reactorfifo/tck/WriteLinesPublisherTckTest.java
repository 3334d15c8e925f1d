package dev.reactorfifo.tck;

import dev.reactorfifo.NamedPipe;
import org.reactivestreams.Publisher;
import org.reactivestreams.tck.PublisherVerification;
import org.testng.annotations.AfterMethod;
import reactor.core.publisher.Flux;

/**
 * The Reactive Streams TCK on the {@code Mono<Void>} of {@link NamedPipe#writeLines}: each
 * publisher writes three lines into a real FIFO that a {@code cat} process reads.
 *
 * <p>A {@code Mono<Void>} emits no element, so {@link #maxElementsFromPublisher()} is 0 and the
 * TCK skips the rules that need one (demand, cancellation while emitting, 3.17 and the like);
 * what it checks is the protocol around the terminal signal: {@code onSubscribe} first, exactly one
 * {@code onComplete} or {@code onError}, a {@code NullPointerException} for a null subscriber.
 */
public class WriteLinesPublisherTckTest extends PublisherVerification<Void> {

    private final FifoFixtures fifos = new FifoFixtures();

    public WriteLinesPublisherTckTest() {
        super(TckTimeouts.environment(), TckTimeouts.GC_MILLIS);
    }

    @Override
    public Publisher<Void> createPublisher(long elements) {
        NamedPipe pipe = fifos.newPipe();
        fifos.readerOf(pipe);
        return pipe.writeLines(Flux.just("first line", "second line", "third line"));
    }

    /** No FIFO at the path: {@code onSubscribe}, then {@code NoSuchFileException}. */
    @Override
    public Publisher<Void> createFailedPublisher() {
        return NamedPipe.of(fifos.missingPath()).writeLines(Flux.just("never written"));
    }

    @Override
    public long maxElementsFromPublisher() {
        return 0;
    }

    @AfterMethod(alwaysRun = true)
    public void releaseFifos() throws InterruptedException {
        fifos.releaseAll();
    }
}
