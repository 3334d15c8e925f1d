package dev.reactorfifo.tck;

import dev.reactorfifo.NamedPipe;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/** The Reactive Streams TCK on the {@code Mono<Void>} of {@link NamedPipe#writeBytes} (see {@link WritePublisherTck}). */
public class WriteBytesPublisherTckTest extends WritePublisherTck {

    @Override
    Mono<Void> writer(NamedPipe pipe) {
        return pipe.writeBytes(Flux.just("first\n", "second\n", "third\n")
                .map(s -> ByteBuffer.wrap(s.getBytes(StandardCharsets.US_ASCII))));
    }
}
