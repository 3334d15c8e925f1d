package dev.reactorfifo.tck;

import dev.reactorfifo.NamedPipe;
import org.reactivestreams.Publisher;
import org.reactivestreams.tck.PublisherVerification;
import org.testng.annotations.AfterMethod;

/**
 * The Reactive Streams TCK on {@link NamedPipe#lines()}: each publisher reads a real FIFO that a
 * real writer process fills with exactly the requested number of lines, then closes.
 *
 * <p>The multicast rules (1.11, optional) are skipped by the TCK: {@code lines()} is cold and
 * every subscriber opens its own read end, so several subscribers compete for the bytes of the
 * one writer instead of each receiving all of them, as the README says.
 */
public class LinesPublisherTckTest extends PublisherVerification<String> {

    private final FifoFixtures fifos = new FifoFixtures();

    public LinesPublisherTckTest() {
        super(TckTimeouts.environment(), TckTimeouts.GC_MILLIS);
    }

    @Override
    public Publisher<String> createPublisher(long elements) {
        NamedPipe pipe = fifos.newPipe();
        fifos.writerOf(pipe, elements);
        return pipe.lines();
    }

    /** A path where no FIFO is: the subscriber gets {@code onSubscribe}, then {@code NoSuchFileException}. */
    @Override
    public Publisher<String> createFailedPublisher() {
        return NamedPipe.of(fifos.missingPath()).lines();
    }

    /**
     * Bounded (so the TCK runs the rules that need {@code onComplete}), yet large enough for rule
     * 3.17's overflow check, which asks for {@code Integer.MAX_VALUE} elements only to have a
     * publisher that keeps emitting while it requests {@code Long.MAX_VALUE - 1} ten times, then
     * cancels. That writer never gets near its end: the cancel closes the read end (the writer
     * dies of SIGPIPE) or the release after the rule kills it. Every other rule asks for 20 at most.
     */
    @Override
    public long maxElementsFromPublisher() {
        return Integer.MAX_VALUE;
    }

    @AfterMethod(alwaysRun = true)
    public void releaseFifos() throws InterruptedException {
        fifos.releaseAll();
    }
}
