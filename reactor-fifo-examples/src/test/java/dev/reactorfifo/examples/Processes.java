package dev.reactorfifo.examples;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * The real OS processes of one test: started with their output in files, destroyed (with their
 * descendants) by {@link #close()} whatever happened. Tests create one per test and close it in
 * {@code @AfterEach}.
 */
final class Processes implements AutoCloseable {

    /**
     * How long a test waits for something that takes a second or a few when the machine is idle
     * (a JVM start, a FIFO appearing, a process exiting). Generous on purpose: the build machine
     * is shared: with its two cores loaded ten times over, a JVM that fails at once took 5 s and
     * the 6-second demo 40 s. Only a failing test ever waits that long.
     */
    static final Duration PATIENCE = Duration.ofSeconds(60);

    private final Path dir;
    private final List<Process> started = new ArrayList<>();
    private int count;

    /** @param dir where the output files go */
    Processes(Path dir) {
        this.dir = dir;
    }

    /** A started process and the files its stdout and stderr go to. */
    record Started(Process process, Path stdout, Path stderr) {

        String out() {
            return read(stdout);
        }

        String err() {
            return read(stderr);
        }

        /** Waits for the exit and returns its code; fails the test after {@code timeout}. */
        int exitCode(Duration timeout) throws InterruptedException {
            assertThat(process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS))
                    .as("process %s exited within %s; stdout: %s; stderr: %s", process.pid(), timeout, out(), err())
                    .isTrue();
            return process.exitValue();
        }
    }

    Started start(ProcessBuilder command) throws IOException {
        int n = ++count;
        Path stdout = dir.resolve("process-" + n + ".out");
        Path stderr = dir.resolve("process-" + n + ".err");
        Process process = command.redirectOutput(stdout.toFile()).redirectError(stderr.toFile()).start();
        started.add(process);
        return new Started(process, stdout, stderr);
    }

    /** {@code sh -c script}: a producer or consumer that is not Java. */
    Started sh(String script) throws IOException {
        return start(new ProcessBuilder("sh", "-c", script));
    }

    /** The examples' {@code mainClass} in a child JVM, as {@link Demo} starts its writer. */
    Started java(Class<?> mainClass, String... args) throws IOException {
        return start(Demo.childJvm(mainClass, args));
    }

    @Override
    public void close() {
        for (Process p : started) {
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly();
        }
        for (Process p : started) {
            try {
                p.waitFor(5, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    static String read(Path file) {
        try {
            return Files.exists(file) ? Files.readString(file, StandardCharsets.UTF_8) : "";
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Polls every 20 ms until {@code condition} holds; fails the test after {@code timeout}. */
    static void await(String what, Duration timeout, java.util.function.BooleanSupplier condition)
            throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out after " + timeout + " waiting for " + what);
            }
            Thread.sleep(20);
        }
    }

    /** Waits until the file's text satisfies {@code condition}. */
    static void awaitOutput(Path file, Duration timeout, Predicate<String> condition) throws InterruptedException {
        await("output in " + file + " (so far: " + read(file) + ")", timeout, () -> condition.test(read(file)));
    }

    /** Whether {@code python3} can be run here; the interop tests skip without it. */
    static boolean python3Available() {
        try {
            Process p = new ProcessBuilder("python3", "--version").redirectErrorStream(true).start();
            p.getInputStream().readAllBytes();
            return p.waitFor(10, TimeUnit.SECONDS) && p.exitValue() == 0;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** Whether this JVM runs as root, for whom file permissions do not apply. */
    static boolean runningAsRoot() {
        try {
            Process p = new ProcessBuilder("id", "-u").start();
            String uid = new String(p.getInputStream().readAllBytes(), StandardCharsets.US_ASCII).trim();
            return p.waitFor(5, TimeUnit.SECONDS) && uid.equals("0");
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }
}
