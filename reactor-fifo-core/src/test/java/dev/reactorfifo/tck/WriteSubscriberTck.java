package dev.reactorfifo.tck;

import dev.reactorfifo.NamedPipe;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.reactivestreams.Publisher;
import org.reactivestreams.Subscriber;
import org.reactivestreams.tck.SubscriberBlackboxVerification;
import org.testng.annotations.AfterMethod;
import reactor.core.publisher.BaseSubscriber;

/**
 * The Reactive Streams TCK on the subscriber that {@link NamedPipe#writeLines} and
 * {@link NamedPipe#writeBytes} put on their upstream. To get hold of it, {@code writeLines} is given an upstream {@link Publisher} that only
 * keeps the subscriber it is handed; the TCK then plays the upstream itself. The subscriber writes
 * into a real FIFO that a {@code cat} process reads, so it requests lines as soon as the FIFO is
 * open, by itself (no {@code triggerRequest} needed).
 */
abstract class WriteSubscriberTck<T> extends SubscriberBlackboxVerification<T> {

    private final FifoFixtures fifos = new FifoFixtures();

    WriteSubscriberTck() {
        super(TckTimeouts.environment());
    }

    /** The writer of {@code pipe} with {@code upstream}: {@code writeLines} or {@code writeBytes}. */
    abstract reactor.core.publisher.Mono<Void> writer(NamedPipe pipe, Publisher<T> upstream);

    @Override
    @SuppressWarnings("unchecked")
    public Subscriber<T> createSubscriber() {
        NamedPipe pipe = fifos.newPipe();
        fifos.readerOf(pipe);
        CompletableFuture<Subscriber<? super T>> handedUpstream = new CompletableFuture<>();
        Publisher<T> upstream = handedUpstream::complete;
        fifos.keep(writer(pipe, upstream).subscribeWith(new OutcomeIgnored()));
        try {
            return (Subscriber<T>) handedUpstream.get(TckTimeouts.SUBSCRIBE_MILLIS, TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            throw new AssertionError("the writer did not subscribe to its upstream within "
                    + TckTimeouts.SUBSCRIBE_MILLIS + " ms", e);
        } catch (ExecutionException e) {
            throw new AssertionError(e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted while waiting for writeLines to subscribe", e);
        }
    }

    /**
     * Subscribes to the {@code writeLines} Mono and ignores how it ends: an error, in the rules
     * that signal {@code onError} upstream, is the TCK's business. A {@link BaseSubscriber}, since
     * it can be disposed before its {@code onSubscribe} (rule 2.13 hands {@code writeLines}'
     * subscriber a null subscription, so the Mono never gets one).
     */
    private static final class OutcomeIgnored extends BaseSubscriber<Void> {
        @Override
        protected void hookOnError(Throwable expectedInSomeRules) {
            // ignored on purpose, see above
        }
    }

    @AfterMethod(alwaysRun = true)
    public void releaseFifos() throws InterruptedException {
        fifos.releaseAll();
    }
}
