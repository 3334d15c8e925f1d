package dev.reactorfifo.examples.webflux;

import org.jspecify.annotations.Nullable;
import org.springframework.http.MediaType;
import org.springframework.http.codec.ServerSentEvent;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import reactor.core.publisher.Flux;

/**
 * {@code GET /lines}: Server-Sent Events, one per FIFO line ({@code id} = the line's number,
 * {@code data} = the line), and an event {@code dropped} whose data is how many lines this client
 * lost because it did not keep up.
 */
@RestController
class LinesController {

    private final FifoHub hub;

    LinesController(FifoHub hub) {
        this.hub = hub;
    }

    @GetMapping(path = "/lines", produces = MediaType.TEXT_EVENT_STREAM_VALUE)
    Flux<ServerSentEvent<String>> lines(@RequestParam(required = false) @Nullable String contains,
                                        @RequestHeader(name = "Last-Event-ID", required = false) @Nullable String lastEventId) {
        // a comment first: the response (headers included) goes out at once, not with the first
        // line, so an EventSource is "open" and a client knows it is connected while the FIFO is quiet
        return hub.events(contains, afterSeq(lastEventId))
                .map(LinesController::toEvent)
                .startWith(ServerSentEvent.<String>builder().comment("reactor-fifo live view").build());
    }

    private static ServerSentEvent<String> toEvent(FifoHub.ClientEvent event) {
        if (event instanceof FifoHub.Line line) {
            // Spring writes "data:" + data, and an SSE parser drops one space after the colon: the
            // space keeps a line's own leading space ("data:  x" is " x"), and curl shows "data: x"
            return ServerSentEvent.builder(" " + line.text()).id(Long.toString(line.seq())).build();
        }
        return ServerSentEvent.builder(" " + ((FifoHub.Dropped) event).count()).event("dropped").build();
    }

    /** An EventSource that reconnects sends the last id it saw: skip what it already has. */
    private static long afterSeq(@Nullable String lastEventId) {
        if (lastEventId == null) {
            return 0;
        }
        try {
            return Math.max(0, Long.parseLong(lastEventId.trim()));
        } catch (NumberFormatException e) {
            return 0;
        }
    }
}
