package dev.reactorfifo.tck;

import dev.reactorfifo.NamedPipe;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.reactivestreams.Publisher;
import org.reactivestreams.tck.PublisherVerification;
import org.testng.annotations.AfterMethod;
import reactor.core.publisher.Flux;

/**
 * The Reactive Streams TCK on the {@code Mono<Void>} of {@link NamedPipe#writeBytes}: each
 * publisher writes three buffers into a real FIFO that a {@code cat} process reads. No element,
 * so {@link #maxElementsFromPublisher()} is 0, as for {@link WriteLinesPublisherTckTest}.
 */
public class WriteBytesPublisherTckTest extends PublisherVerification<Void> {

    private final FifoFixtures fifos = new FifoFixtures();

    public WriteBytesPublisherTckTest() {
        super(TckTimeouts.environment(), TckTimeouts.GC_MILLIS);
    }

    @Override
    public Publisher<Void> createPublisher(long elements) {
        NamedPipe pipe = fifos.newPipe();
        fifos.readerOf(pipe);
        return pipe.writeBytes(Flux.just("first\n", "second\n", "third\n")
                .map(s -> ByteBuffer.wrap(s.getBytes(StandardCharsets.US_ASCII))));
    }

    /** No FIFO at the path: {@code onSubscribe}, then {@code NoSuchFileException}. */
    @Override
    public Publisher<Void> createFailedPublisher() {
        return NamedPipe.of(fifos.missingPath()).writeBytes(Flux.just(ByteBuffer.wrap(new byte[] {'x'})));
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
