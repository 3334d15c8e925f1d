package dev.reactorfifo.internal;

import org.jspecify.annotations.Nullable;
import org.reactivestreams.Subscription;
import reactor.core.Fuseable;

/**
 * A {@link BoundedFifoSink}'s writer for unit tests: it fuses with the sink's queue of full chunks
 * (kept in {@link #chunks}) and ignores every signal, so nothing is written unless a test does it.
 * Subclasses override what they observe.
 */
class SinkWriterStub implements BoundedFifoSink.Writer {

    Fuseable.@Nullable QueueSubscription<Object> chunks;

    @Override
    public boolean flushPending() {
        return false;
    }

    @Override
    @SuppressWarnings("unchecked")
    public void onSubscribe(Subscription s) {
        chunks = (Fuseable.QueueSubscription<Object>) s;
        chunks.requestFusion(Fuseable.ANY | Fuseable.THREAD_BARRIER);
    }

    @Override
    public void onNext(@Nullable Object unused) {
    }

    @Override
    public void onError(Throwable t) {
    }

    @Override
    public void onComplete() {
    }

    @Override
    public void request(long n) {
    }

    @Override
    public void cancel() {
    }
}
