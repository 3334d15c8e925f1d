package dev.reactorfifo.tck;

import dev.reactorfifo.NamedPipe;
import dev.reactorfifo.ReadOptions;
import java.nio.ByteBuffer;
import org.reactivestreams.Publisher;
import org.reactivestreams.tck.PublisherVerification;
import org.testng.annotations.AfterMethod;

/**
 * The Reactive Streams TCK on {@link NamedPipe#bytes()}: each publisher reads a real FIFO into
 * which a real writer process put exactly the requested number of 512-byte blocks at once, with
 * reads of 512 bytes, so one element per block.
 *
 * <p>Up to 100 elements (51,200 bytes, within one pipe's capacity, which is what keeps a block
 * count exact) the count is exact; for more, which only rule 3.17 asks for (unbounded demand on a
 * publisher of {@code Integer.MAX_VALUE} elements), a shell writer keeps writing lines, as for
 * {@code lines()}, and the test cancels. The multicast rules are skipped as for {@code lines()}.
 */
public class BytesPublisherTckTest extends PublisherVerification<ByteBuffer> {

    private static final int BLOCK = 512;
    /** Up to this many, exact: blocks that fit one pipe (51,200 bytes). */
    private static final long EXACT_BLOCKS = 100;
    private final FifoFixtures fifos = new FifoFixtures();

    public BytesPublisherTckTest() {
        super(TckTimeouts.environment(), TckTimeouts.GC_MILLIS);
    }

    @Override
    public Publisher<ByteBuffer> createPublisher(long elements) {
        NamedPipe pipe = fifos.newPipe();
        if (elements > EXACT_BLOCKS) {
            // rule 3.17's overflow check (Integer.MAX_VALUE): a writer that keeps writing, as for lines()
            fifos.writerOf(pipe, elements);
        } else {
            fifos.blockWriterOf(pipe, elements, BLOCK);
        }
        return pipe.bytes(ReadOptions.defaults().readBufferSize(BLOCK));
    }

    /** A path where no FIFO is: the subscriber gets {@code onSubscribe}, then {@code NoSuchFileException}. */
    @Override
    public Publisher<ByteBuffer> createFailedPublisher() {
        return NamedPipe.of(fifos.missingPath()).bytes();
    }

    @Override
    public long maxElementsFromPublisher() {
        return Integer.MAX_VALUE;
    }

    @AfterMethod(alwaysRun = true)
    public void releaseFifos() throws InterruptedException {
        fifos.releaseAll();
    }
}
