package dev.reactorfifo.tck;

import dev.reactorfifo.NamedPipe;
import org.reactivestreams.Publisher;
import reactor.core.publisher.Mono;

/** The Reactive Streams TCK on the subscriber of {@link NamedPipe#writeLines}; see {@link WriteSubscriberTck}. */
public class WriteLinesSubscriberTckTest extends WriteSubscriberTck<String> {

    @Override
    Mono<Void> writer(NamedPipe pipe, Publisher<String> upstream) {
        return pipe.writeLines(upstream);
    }

    @Override
    public String createElement(int element) {
        return "line " + element;
    }
}
