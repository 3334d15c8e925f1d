package dev.reactorfifo.tck;

import dev.reactorfifo.NamedPipe;
import org.reactivestreams.Publisher;
import org.reactivestreams.tck.PublisherVerification;
import org.testng.annotations.AfterMethod;
import reactor.core.publisher.Mono;

/**
 * The Reactive Streams TCK on the {@code Mono<Void>} of {@link NamedPipe#writeLines} and
 * {@link NamedPipe#writeBytes}: each publisher writes three elements into a real FIFO that a
 * {@code cat} process reads; the failed one writes to a path with no FIFO ({@code onSubscribe},
 * then {@code NoSuchFileException}).
 *
 * <p>A {@code Mono<Void>} emits no element, so {@link #maxElementsFromPublisher()} is 0 and the
 * TCK skips the rules that need one (demand, cancellation while emitting, 3.17 and the like);
 * what it checks is the protocol around the terminal signal: {@code onSubscribe} first, exactly one
 * {@code onComplete} or {@code onError}, a {@code NullPointerException} for a null subscriber.
 */
abstract class WritePublisherTck extends PublisherVerification<Void> {

    private final FifoFixtures fifos = new FifoFixtures();

    WritePublisherTck() {
        super(TckTimeouts.environment(), TckTimeouts.GC_MILLIS);
    }

    /** The writer of three elements into {@code pipe}: {@code writeLines} or {@code writeBytes}. */
    abstract Mono<Void> writer(NamedPipe pipe);

    @Override
    public Publisher<Void> createPublisher(long elements) {
        NamedPipe pipe = fifos.newPipe();
        fifos.readerOf(pipe);
        return writer(pipe);
    }

    @Override
    public Publisher<Void> createFailedPublisher() {
        return writer(NamedPipe.of(fifos.missingPath()));
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
