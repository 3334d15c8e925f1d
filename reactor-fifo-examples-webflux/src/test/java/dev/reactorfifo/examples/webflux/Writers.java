package dev.reactorfifo.examples.webflux;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Real writer processes: {@code sh -c SCRIPT sh FIFO}, the script naming the FIFO as {@code "$1"}
 * ({@code printf 'a\nb\n' > "$1"}). {@link #close()} kills whatever is still running; every test
 * class closes its {@code Writers} after each test.
 */
final class Writers implements AutoCloseable {

    /** How long a test waits for anything at most: the shared 2-core build box is slow when loaded. */
    static final Duration PATIENCE = Duration.ofSeconds(60);

    private final Path fifo;
    private final List<Process> processes = new ArrayList<>();

    Writers(Path fifo) {
        this.fifo = fifo;
    }

    /**
     * Starts {@code sh -c script} with the FIFO as $1. Its output is discarded and its errors are
     * appended to {@code target/writers-stderr.log}: a child writing to the test JVM's own
     * stdout would corrupt Surefire's channel to it.
     */
    synchronized Process start(String script) throws IOException {
        Process process = new ProcessBuilder("sh", "-c", script, "sh", fifo.toString())
                .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .redirectError(ProcessBuilder.Redirect.appendTo(Path.of("target", "writers-stderr.log").toFile()))
                .start();
        processes.add(process);
        return process;
    }

    /** Starts the script and waits until it exited with 0. */
    void run(String script) throws IOException, InterruptedException {
        Process process = start(script);
        assertThat(process.waitFor(PATIENCE.toSeconds(), TimeUnit.SECONDS))
                .as("writer %s finished", script).isTrue();
        assertThat(process.exitValue()).as("exit code of %s", script).isZero();
    }

    @Override
    public synchronized void close() throws InterruptedException {
        for (Process process : processes) {
            process.descendants().forEach(ProcessHandle::destroyForcibly);
            process.destroyForcibly();
            process.waitFor(10, TimeUnit.SECONDS);
        }
        processes.clear();
    }
}
