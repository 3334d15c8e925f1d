package dev.reactorfifo.tck;

import dev.reactorfifo.NamedPipe;
import java.nio.ByteBuffer;
import org.reactivestreams.Publisher;
import reactor.core.publisher.Mono;

/** The Reactive Streams TCK on the subscriber of {@link NamedPipe#writeBytes}; see {@link WriteSubscriberTck}. */
public class WriteBytesSubscriberTckTest extends WriteSubscriberTck<ByteBuffer> {

    @Override
    Mono<Void> writer(NamedPipe pipe, Publisher<ByteBuffer> upstream) {
        return pipe.writeBytes(upstream);
    }

    @Override
    public ByteBuffer createElement(int element) {
        return ByteBuffer.wrap(("bytes " + element).getBytes(java.nio.charset.StandardCharsets.US_ASCII));
    }
}
