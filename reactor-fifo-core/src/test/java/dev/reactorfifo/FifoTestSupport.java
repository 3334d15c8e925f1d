package dev.reactorfifo;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;

/** Real peer processes, descriptor and thread accounting for the FIFO integration tests. */
public final class FifoTestSupport {

    private FifoTestSupport() {
    }

    private static final ProcessBuilder.Redirect NO_INPUT = ProcessBuilder.Redirect.from(new java.io.File("/dev/null"));

    /** A peer process that is always killed when the test ends ({@code try-with-resources}). */
    public static final class Peer implements AutoCloseable {
        public final Process process;

        private Peer(Process process) {
            this.process = process;
        }

        /** {@code sh -c script}, stdout and stderr discarded unless redirected by the script. */
        public static Peer sh(String script) throws IOException {
            return new Peer(new ProcessBuilder("sh", "-c", script)
                    .redirectInput(NO_INPUT) // no pipe descriptor in this process to confuse the accounting
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                    .redirectError(ProcessBuilder.Redirect.INHERIT)
                    .start());
        }

        /** Starts {@code command} with stdout to {@code output}. */
        public static Peer start(Path output, String... command) throws IOException {
            return new Peer(new ProcessBuilder(command)
                    .redirectInput(NO_INPUT)
                    .redirectOutput(output.toFile())
                    .redirectError(ProcessBuilder.Redirect.INHERIT)
                    .start());
        }

        /** @return the exit code; fails the test if the process does not exit in time */
        public int awaitExit(Duration timeout) throws InterruptedException {
            assertThat(process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS))
                    .as("peer process %s exits within %s", process.info().commandLine().orElse("?"), timeout)
                    .isTrue();
            return process.exitValue();
        }

        /** kill -9 */
        public void kill() throws InterruptedException {
            process.destroyForcibly();
            process.waitFor(5, TimeUnit.SECONDS);
        }

        @Override
        public void close() throws InterruptedException {
            if (process.isAlive()) {
                kill();
            }
        }
    }

    /** @return {@code 'text'} quoted for {@code sh} */
    public static String shQuote(String text) {
        return "'" + text.replace("'", "'\"'\"'") + "'";
    }

    public static void assumeLinux() {
        Assumptions.assumeTrue(Files.isDirectory(Path.of("/proc/self/fd")),
                "needs Linux /proc/self/fd to count descriptors: skipped on this OS");
    }

    public static boolean commandExists(String name) {
        return Stream.of(System.getenv().getOrDefault("PATH", "").split(":"))
                .anyMatch(dir -> Files.isExecutable(Path.of(dir, name)));
    }

    /** @return the paths this process has open descriptors on that are FIFOs or pipes */
    public static List<String> openPipeDescriptors() throws IOException {
        List<String> pipes = new ArrayList<>();
        try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
            for (Path fd : (Iterable<Path>) fds::iterator) {
                try {
                    String target = Files.readSymbolicLink(fd).toString();
                    if (target.startsWith("pipe:") || isFifo(target)) {
                        pipes.add(fd.getFileName() + " -> " + target);
                    }
                } catch (IOException closedMeanwhile) {
                    // the listing's own descriptor, or one closed while listing
                }
            }
        }
        return pipes;
    }

    private static boolean isFifo(String target) {
        try {
            return Files.readAttributes(Path.of(target.replace(" (deleted)", "")),
                    java.nio.file.attribute.BasicFileAttributes.class).isOther();
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }

    /** @return threads currently inside a native FIFO call of the library (poll, read, write, open) */
    public static List<String> threadsInFifoCalls() {
        List<String> stuck = new ArrayList<>();
        for (Map.Entry<Thread, StackTraceElement[]> e : Thread.getAllStackTraces().entrySet()) {
            for (StackTraceElement frame : e.getValue()) {
                if (frame.getClassName().equals("dev.reactorfifo.internal.Posix")) {
                    stuck.add(e.getKey().getName() + " in " + frame.getMethodName());
                    break;
                }
            }
        }
        return stuck;
    }

    /**
     * Waits until no thread is in a FIFO call, for a test that starts from a quiet process: the
     * shared poller thread of an earlier test lingers briefly after its last pipe.
     */
    public static void awaitNoThreadInFifoCalls(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!threadsInFifoCalls().isEmpty() && System.nanoTime() < deadline) {
            Thread.sleep(5);
        }
        assertThat(threadsInFifoCalls()).as("threads in a FIFO call before the test").isEmpty();
    }

    /**
     * Waits until no thread is in a FIFO call and no pipe descriptor beyond {@code baseline} is
     * open, then asserts it, so a test shows what leaked instead of timing out.
     */
    public static void awaitReleased(List<String> baseline, Duration timeout) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        List<String> extra;
        List<String> threads;
        do {
            extra = new ArrayList<>(openPipeDescriptors());
            extra.removeAll(baseline);
            threads = threadsInFifoCalls();
            if (extra.isEmpty() && threads.isEmpty()) {
                return;
            }
            Thread.sleep(5);
        } while (System.nanoTime() < deadline);
        assertThat(extra).as("pipe descriptors left open").isEmpty();
        assertThat(threads).as("threads left in a FIFO call").isEmpty();
    }
}
