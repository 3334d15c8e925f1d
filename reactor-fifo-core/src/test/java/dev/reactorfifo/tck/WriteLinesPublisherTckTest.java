package dev.reactorfifo.tck;

import dev.reactorfifo.NamedPipe;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/** The Reactive Streams TCK on the {@code Mono<Void>} of {@link NamedPipe#writeLines} (see {@link WritePublisherTck}). */
public class WriteLinesPublisherTckTest extends WritePublisherTck {

    @Override
    Mono<Void> writer(NamedPipe pipe) {
        return pipe.writeLines(Flux.just("first line", "second line", "third line"));
    }
}
