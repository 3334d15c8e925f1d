package dev.reactorfifo.examples;

import dev.reactorfifo.NamedPipe;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import reactor.core.publisher.Mono;

/**
 * The tutorial in one command: {@link WriterExample} and {@link ReaderExample} talking through a
 * FIFO as two real processes, then the tutorial's clean-up step (removing the FIFO).
 *
 * <pre>java -jar reactor-fifo-examples/target/reactor-fifo-examples.jar</pre>
 *
 * <ol>
 *   <li>creates a private FIFO ({@link NamedPipe#createTemp()}), so that runs never collide;
 *   <li>starts the writer in a child JVM with this JVM's class path, writing to the same terminal;
 *   <li>runs the reader in this JVM until the writer closes the FIFO (about five seconds);
 *   <li>removes the FIFO. A shutdown hook does the same, and stops the child, on Ctrl-C.
 * </ol>
 */
public final class Demo {

    /** The conventional exit code after Ctrl-C (128 + SIGINT). */
    static final int INTERRUPTED = 130;

    private Demo() {
    }

    public static void main(String[] args) {
        System.exit(run(args, System.out, System.err));
    }

    /**
     * Runs the demo. The writer process shares this JVM's standard output and error (that is what
     * {@code main} passes as {@code out} and {@code err}), so that its lines and the reader's
     * appear in their true order.
     *
     * @return 0 when both sides finished normally, 1 otherwise, 2 on bad usage, 130 on Ctrl-C
     */
    static int run(String[] args, PrintStream out, PrintStream err) {
        if (args.length != 0) {
            err.println("usage: Demo   (no arguments: it uses a private temporary FIFO)");
            return ErrorMessages.USAGE;
        }
        NamedPipe pipe;
        try {
            pipe = NamedPipe.createTemp();
        } catch (IOException | UnsupportedOperationException e) {
            return ErrorMessages.report("Demo error", e, err);
        }
        CleanUp cleanUp = new CleanUp(pipe);
        Thread shutdownHook = new Thread(() -> {
            if (cleanUp.run()) {
                out.println("demo: interrupted: stopped the writer and removed the FIFO " + pipe.path());
            }
        }, "demo-clean-up");
        Runtime.getRuntime().addShutdownHook(shutdownHook);
        try {
            out.println("demo: FIFO " + pipe.path());
            out.flush();
            // The child writes straight into our stdout: its "Sent" is out before its line enters
            // the FIFO, so the terminal shows what happened in the order it happened. (Copying its
            // output through a thread of ours could print a "Received" before its "Sent".)
            Process writer = cleanUp.start(childJvm(WriterExample.class, pipe.path().toString()).inheritIO());
            out.println("demo: writer = WriterExample in a child JVM (pid " + writer.pid()
                    + "), reader = ReaderExample in this JVM (pid " + ProcessHandle.current().pid() + ")");

            // Read until the writer closes the FIFO. Should the child die before it even opened the
            // FIFO, the reader would wait for a writer forever: a failed exit ends the wait.
            Mono<Void> writerFailed = Mono.fromFuture(writer.onExit())
                    .flatMap(p -> p.exitValue() == 0 ? Mono.never()
                            : Mono.error(new IOException("the writer (pid " + p.pid() + ") exited with code "
                                    + p.exitValue())));
            Mono.firstWithSignal(ReaderExample.printLines(pipe, out), writerFailed).block();

            int writerExit = writer.waitFor(); // it exits right after closing the FIFO
            if (cleanUp.isDone()) {
                return INTERRUPTED; // Ctrl-C: the shutdown hook stopped the writer and says so
            }
            out.println("demo: writer exited with code " + writerExit + "; the reader saw the end of the stream");
            cleanUp.run();
            out.println("demo: removed the FIFO " + pipe.path());
            return writerExit == 0 ? 0 : ErrorMessages.FAILED;
        } catch (IOException | RuntimeException e) {
            if (cleanUp.isDone()) {
                return INTERRUPTED; // the writer died because the shutdown hook stopped it
            }
            return ErrorMessages.report("Demo error", e, err);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return ErrorMessages.report("Demo error", new IOException("interrupted"), err);
        } finally {
            cleanUp.run(); // once only: a no-op after the normal path above
            try {
                Runtime.getRuntime().removeShutdownHook(shutdownHook);
            } catch (IllegalStateException shuttingDown) {
                // the hook is running or about to: it finds nothing left to do
            }
        }
    }

    /**
     * A command that runs {@code mainClass} in a new JVM: the same {@code java} binary and class
     * path as this one, so it works from the shaded jar, from an IDE and under Maven alike.
     */
    static ProcessBuilder childJvm(Class<?> mainClass, String... args) {
        String java = ProcessHandle.current().info().command()
                .orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        List<String> command = new ArrayList<>();
        command.add(java);
        // jnr calls native code on purpose: keep JDK 22+ from warning about it (accepted by 17 too)
        command.add("--enable-native-access=ALL-UNNAMED");
        if (Runtime.version().feature() >= 23) {
            // jffi (under jnr) uses sun.misc.Unsafe, which JDK 24+ warns about; the flag exists since 23
            command.add("--sun-misc-unsafe-memory-access=allow");
        }
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), mainClass.getName()));
        command.addAll(List.of(args));
        return new ProcessBuilder(command);
    }

    /**
     * Stops the writer and removes the FIFO, exactly once, whether the demo ends normally, fails,
     * or the JVM is shutting down (Ctrl-C). Synchronized: a shutdown hook arriving while the main
     * thread cleans up waits for it, instead of letting the JVM halt half-way.
     */
    private static final class CleanUp {

        private final NamedPipe pipe;
        private Process writer;
        private boolean done;

        CleanUp(NamedPipe pipe) {
            this.pipe = pipe;
        }

        /** Starts the child, unless clean-up already ran (Ctrl-C during start-up). */
        synchronized Process start(ProcessBuilder command) throws IOException {
            if (done) {
                throw new IOException("interrupted");
            }
            writer = command.start();
            return writer;
        }

        synchronized boolean isDone() {
            return done;
        }

        /** @return whether this call did the work (false if it had been done already) */
        synchronized boolean run() {
            if (done) {
                return false;
            }
            done = true;
            if (writer != null && writer.isAlive()) {
                writer.descendants().forEach(ProcessHandle::destroy);
                writer.destroy();
                try {
                    if (!writer.waitFor(2, TimeUnit.SECONDS)) {
                        writer.destroyForcibly();
                    }
                } catch (InterruptedException e) {
                    writer.destroyForcibly();
                    Thread.currentThread().interrupt();
                }
            }
            try {
                pipe.deleteIfExists();
            } catch (IOException e) {
                System.err.println("demo: could not remove " + pipe.path() + ": " + ErrorMessages.describe(e));
            }
            return true;
        }
    }
}
