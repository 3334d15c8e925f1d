package dev.reactorfifo.tck;

import dev.reactorfifo.NamedPipe;
import org.reactivestreams.Publisher;
import reactor.core.publisher.Mono;

/**
 * The Reactive Streams TCK on the {@code Mono<Void>} of {@link NamedPipe#writeLines} and
 * {@link NamedPipe#writeBytes}: each publisher writes three elements into a real FIFO that a
 * {@code cat} process reads; the failed one writes to a path with no FIFO ({@code onSubscribe},
 * then {@code NoSuchFileException}).
 */
abstract class WritePublisherTck extends VoidPublisherTck {

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
}
