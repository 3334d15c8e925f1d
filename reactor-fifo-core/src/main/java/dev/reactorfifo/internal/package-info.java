/**
 * Internal implementation of reactor-fifo. <strong>Not API</strong>: anything here may change
 * or disappear in any release without notice; use {@link dev.reactorfifo} instead.
 *
 * <p>Layers, each knowing only the one below it:
 * <ul>
 *   <li>publishers ({@code FifoLinesFlux}, {@code FifoWriteMono}, {@code BoundedFifoSink}):
 *       demand, cancellation, batch emission, scheduler hand-off; no system calls;</li>
 *   <li>codec ({@code LineFramer}, {@code LineEncoder}, {@code Terminators}): pure byte and line
 *       work, testable without any FIFO;</li>
 *   <li>transport ({@code FifoReadEnd}, {@code FifoWriteEnd}, {@code WakeablePoller}): one open
 *       descriptor, waiting in {@code poll(2)} next to a wake-up pipe so that any wait can be
 *       cancelled from another thread;</li>
 *   <li>posix ({@code Posix}, {@code Errno}): the only classes that call jnr-posix or jnr-ffi.</li>
 * </ul>
 */
@NullMarked
package dev.reactorfifo.internal;

import org.jspecify.annotations.NullMarked;
