/**
 * POSIX named pipes (FIFOs) as Project Reactor streams of lines.
 *
 * <p>{@link dev.reactorfifo.NamedPipe} is the entry point: it creates, checks and deletes FIFOs,
 * reads one as a cold {@code Flux<String>} of lines ({@link dev.reactorfifo.NamedPipe#lines()})
 * and writes lines into one ({@link dev.reactorfifo.NamedPipe#writeLines(org.reactivestreams.Publisher)},
 * {@link dev.reactorfifo.NamedPipe#sink()}). Opening, reading and writing run on the options'
 * scheduler ({@code Schedulers.boundedElastic()} by default) and never block; every wait (for a
 * peer, for data, for room in the pipe) is one shared poller thread's or a timer's, holds no
 * thread of that scheduler, and can be cancelled without touching other processes that use the
 * same FIFO.
 *
 * <p>Errors are standard {@code java.nio.file} exceptions where one fits
 * ({@link java.nio.file.NoSuchFileException}, {@link java.nio.file.AccessDeniedException},
 * {@link java.nio.file.FileAlreadyExistsException}) and the types of this package otherwise.
 */
@NullMarked
package dev.reactorfifo;

import org.jspecify.annotations.NullMarked;
