package dev.reactorfifo.internal;

import dev.reactorfifo.FifoTransport;
import java.io.IOException;

/** Picks the {@link ReadinessWaiter} of a {@link FifoTransport}. */
final class Transports {

    private Transports() {
    }

    /** @param resume schedules the subscription's drain again; used by the shared poller only */
    static ReadinessWaiter newWaiter(FifoTransport transport, Runnable resume) throws IOException {
        return transport == FifoTransport.SHARED_POLLER ? SharedPoller.INSTANCE.newWaiter(resume)
                : new WakeablePoller();
    }
}
