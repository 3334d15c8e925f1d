package dev.reactorfifo;

/**
 * How a subscription waits for a FIFO to become ready (a writer or data to read, a reader or
 * room to write). Both keep every descriptor non-blocking and honour the same contract:
 * backpressure, prompt cancellation without side effects on other processes, the same errors.
 */
public enum FifoTransport {

    /**
     * The default: while a subscription waits, one thread of its scheduler waits in
     * {@code poll(2)} for that one FIFO. Lowest latency; costs one scheduler thread per waiting
     * FIFO, so {@code boundedElastic()} (10 threads per core) runs out after a few dozen idle pipes.
     */
    DEDICATED_THREAD,

    /**
     * One shared daemon thread ({@code reactor-fifo-poller}) waits in {@code poll(2)} for all
     * FIFOs of all subscriptions using this transport; a waiting FIFO holds no scheduler thread.
     * When a FIFO becomes ready, reading (and emitting its lines) or writing runs on a worker of
     * the options' scheduler, in batches, never on the poller thread, so a slow subscriber of one
     * pipe never delays the others. A chatty pipe (its last wait was answered within 1 ms, as in
     * request-response traffic) first waits up to 5 ms in {@code poll(2)} on its worker before
     * registering, which saves the poller's extra thread wake-up per message; at most as many
     * workers as there are CPUs wait like this at once, and a pipe whose last wait took longer
     * registers at once. Cancelling during such a wait takes effect when it ends, within 5 ms,
     * and nothing more is read or written. The poller thread starts with the first waiting FIFO
     * and stops shortly after the last one. Use it for many FIFOs that are mostly idle.
     */
    SHARED_POLLER
}
