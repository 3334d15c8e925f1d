/**
 * Internal implementation of reactor-fifo. <strong>Not API</strong>: anything here may change
 * or disappear in any release without notice; use {@link dev.reactorfifo} instead.
 *
 * <p>Layers, each knowing only the one below it:
 * <ul>
 *   <li>publishers ({@code FifoReadFlux} with its {@code Framing}s {@code LineFraming} and
 *       {@code ChunkFraming}, {@code FifoWriteMono}, {@code BoundedFifoSink} with its
 *       {@code ChunkSequence}, and their drain loop {@code FifoDrain}): demand, cancellation,
 *       batch emission, scheduler hand-off; no system calls;</li>
 *   <li>codec ({@code LineFramer}, {@code LineEncoder}, {@code LineChunk}, {@code LineBatcher}, {@code Terminators},
 *       {@code Delimiter}, {@code AsciiCompatibleCharsets}): pure byte and line work, testable
 *       without any FIFO;</li>
 *   <li>transport ({@code FifoReadEnd}, {@code FifoWriteEnd}: one non-blocking descriptor;
 *       {@code Waiter}: a subscription's one-shot interest in it; {@code Poller},
 *       {@code EpollPoller}, {@code PollPoller}: the one thread that waits for every FIFO;
 *       {@code BufferPool}; {@code FifoLifecycle}, {@code Errors}, {@code FileStatus}): waits
 *       that hold no thread and can be cancelled from any thread;</li>
 *   <li>posix ({@code Posix}): the only class that calls jnr-posix or jnr-ffi; it hands out
 *       {@code int}s, {@code ByteBuffer}s and {@code FileStatus}, no jnr type.</li>
 * </ul>
 */
@NullMarked
package dev.reactorfifo.internal;

import org.jspecify.annotations.NullMarked;
