package dev.reactorfifo.tck;

import org.reactivestreams.tck.PublisherVerification;
import org.testng.annotations.AfterMethod;
import reactor.core.publisher.Sinks;

/**
 * The Reactive Streams TCK on a {@code Mono<Void>} of the API, over real FIFOs that
 * {@link #fifos} makes and removes after each rule.
 *
 * <p>A {@code Mono<Void>} emits no element, so {@link #maxElementsFromPublisher()} is 0 and the
 * TCK skips the rules that need one (demand, cancellation while emitting, 3.17 and the like);
 * what it checks is the protocol around the terminal signal: {@code onSubscribe} first, exactly one
 * {@code onComplete} or {@code onError}, a {@code NullPointerException} for a null subscriber.
 */
abstract class VoidPublisherTck extends PublisherVerification<Void> {

    final FifoFixtures fifos = new FifoFixtures();

    VoidPublisherTck() {
        super(TckTimeouts.environment(), TckTimeouts.GC_MILLIS);
    }

    @Override
    public long maxElementsFromPublisher() {
        return 0;
    }

    @AfterMethod(alwaysRun = true)
    public void releaseFifos() throws InterruptedException {
        fifos.releaseAll();
    }

    /** Fails the publisher's set-up when a sink does not answer as the rule needs. */
    static void expectResult(Sinks.EmitResult expected, Sinks.EmitResult result, String what) {
        if (result != expected) {
            throw new IllegalStateException("the sink answered " + result + " to " + what + ", not " + expected);
        }
    }
}
