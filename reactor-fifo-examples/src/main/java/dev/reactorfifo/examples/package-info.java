/**
 * Runnable examples of reactor-fifo, each a small program with a {@code main} method.
 *
 * <ul>
 *   <li>{@link dev.reactorfifo.examples.WriterExample} and
 *       {@link dev.reactorfifo.examples.ReaderExample}: the two scripts of the tutorial
 *       "How to create and use a named pipe in Python?", rebuilt on reactor-fifo;
 *   <li>{@link dev.reactorfifo.examples.Demo}: both of them as two processes, in one command
 *       (the runnable jar's main class);
 *   <li>{@link dev.reactorfifo.examples.LevelCountsExample}: follow a FIFO fed by many producers,
 *       count lines per level and per second;
 *   <li>{@link dev.reactorfifo.examples.PipeFilterExample}: FIFO to FIFO filter with backpressure;
 *   <li>{@link dev.reactorfifo.examples.BinaryPassThroughExample}: FIFO to FIFO copy of any bytes
 *       with {@code bytes()} and {@code writeBytes()};
 *   <li>{@link dev.reactorfifo.examples.NulSeparatedNamesExample}: the NUL-separated file names of
 *       {@code find -print0}, counted per extension or passed on to {@code xargs -0}.
 * </ul>
 *
 * <p>Every program keeps its logic in {@code static int run(String[] args, PrintStream out,
 * PrintStream err)} returning the exit code, so tests call it directly; {@code main} only passes
 * that code to {@code System.exit}.
 */
package dev.reactorfifo.examples;
