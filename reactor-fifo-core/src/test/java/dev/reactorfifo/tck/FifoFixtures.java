package dev.reactorfifo.tck;

import dev.reactorfifo.NamedPipe;
import java.io.File;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import reactor.core.Disposable;

/**
 * The real FIFOs, peer processes and subscriptions of one TCK rule, all released after it
 * ({@link #releaseAll()} from an {@code @AfterMethod}). The TCK subscribes, cancels and abandons
 * subscriptions as each rule needs, so a rule may end with a reader still waiting for a writer
 * that will never come: the release gives every such reader an EOF, so no thread stays in
 * {@code poll(2)} for the next rule.
 */
final class FifoFixtures {

    private static final ProcessBuilder.Redirect NO_INPUT = ProcessBuilder.Redirect.from(new File("/dev/null"));

    private final List<NamedPipe> pipes = new ArrayList<>();
    private final List<Process> processes = new ArrayList<>();
    private final List<Disposable> subscriptions = new ArrayList<>();

    /** A fresh FIFO in a private temporary folder, deleted by {@link #releaseAll()}. */
    synchronized NamedPipe newPipe() {
        try {
            NamedPipe pipe = NamedPipe.createTemp();
            pipes.add(pipe);
            return pipe;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A path where nothing is: a temporary FIFO's path after the FIFO and its folder are gone. */
    Path missingPath() {
        try {
            NamedPipe gone = NamedPipe.createTemp();
            gone.deleteIfExists();
            return gone.path();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * A writer process that opens {@code pipe} (waiting in the kernel for a reader), writes
     * {@code lines} lines {@code line0}, {@code line1}, ... and exits, which is the readers' EOF.
     */
    void writerOf(NamedPipe pipe, long lines) {
        sh("i=0; while [ $i -lt " + lines + " ]; do echo line$i; i=$((i+1)); done > " + quote(pipe.path()));
    }

    /**
     * A writer process that writes {@code blocks} blocks of {@code blockSize} bytes in one
     * {@code write(2)} and closes: with reads of {@code blockSize}, exactly {@code blocks} reads.
     * (All of it fits the pipe, and a write that fits is never seen in part: the kernel holds the
     * pipe's lock for the whole copy.)
     */
    void blockWriterOf(NamedPipe pipe, long blocks, int blockSize) {
        sh("exec python3 -c 'import os, sys; os.write(1, b\"x\" * " + blocks * blockSize + ")' > " + quote(pipe.path()));
    }

    /** A reader process that takes everything written into {@code pipe} until the last writer closes. */
    void readerOf(NamedPipe pipe) {
        sh("exec cat " + quote(pipe.path()) + " > /dev/null");
    }

    /** Keeps {@code subscription} to be disposed by {@link #releaseAll()}. */
    synchronized <D extends Disposable> D keep(D subscription) {
        subscriptions.add(subscription);
        return subscription;
    }

    private synchronized void sh(String script) {
        try {
            processes.add(new ProcessBuilder("sh", "-c", script)
                    .redirectInput(NO_INPUT)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                    .redirectError(ProcessBuilder.Redirect.INHERIT)
                    .start());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Disposes the kept subscriptions, kills the peer processes, gives every reader still on a
     * FIFO its EOF and deletes the FIFOs.
     */
    synchronized void releaseAll() throws InterruptedException {
        RuntimeException firstFailure = null;
        for (Disposable subscription : subscriptions) {
            try {
                subscription.dispose();
            } catch (RuntimeException e) {
                // the rest is released all the same, then this is reported
                firstFailure = firstFailure == null ? e : firstFailure;
            }
        }
        subscriptions.clear();
        for (Process process : processes) {
            process.destroyForcibly();
        }
        for (Process process : processes) {
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                throw new IllegalStateException("peer process " + process.pid() + " survived kill -9 for 10 s");
            }
        }
        processes.clear();
        for (NamedPipe pipe : pipes) {
            try {
                if (Files.exists(pipe.path())) {
                    // These FIFOs are the test's own, so the trick a library must not play on shared
                    // FIFOs is fine here: an O_RDWR open never blocks on Linux, and closing it is the
                    // last writer leaving, so a reader that waits for a writer sees EOF and completes.
                    new RandomAccessFile(pipe.path().toFile(), "rw").close();
                }
                pipe.deleteIfExists();
            } catch (IOException e) {
                firstFailure = firstFailure == null ? new UncheckedIOException(e) : firstFailure;
            }
        }
        pipes.clear();
        if (firstFailure != null) {
            throw firstFailure;
        }
    }

    private static String quote(Path path) {
        return "'" + path.toString().replace("'", "'\"'\"'") + "'";
    }
}
