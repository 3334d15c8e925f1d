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

    /**
     * Runs {@code writing}, which writes into {@code fifo} the way a plain Java writer does (a
     * blocking {@code open(2)} that waits for a reader, blocking {@code write(2)}s), on a thread of
     * its own, and fails after {@code timeout} instead of hanging. Neither call can be interrupted,
     * so a test thread left in one by a reader that failed or stopped reading would outlive its
     * {@code @Timeout} and hang the build. At the deadline, or when the waiting thread is
     * interrupted, every stack is printed and a {@code cat} process reads the FIFO empty, which
     * lets the writing thread out, and is killed.
     *
     * @return what {@code writing} returned
     * @throws AssertionError if {@code writing} did not finish within {@code timeout}
     */
    public static <T> T writeBlocking(Path fifo, Duration timeout, java.util.concurrent.Callable<T> writing)
            throws Exception {
        java.util.concurrent.FutureTask<T> task = new java.util.concurrent.FutureTask<>(writing);
        Thread writer = new Thread(task, "blocking writer of " + fifo.getFileName());
        writer.setDaemon(true);
        writer.start();
        try {
            return task.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (java.util.concurrent.ExecutionException e) {
            if (e.getCause() instanceof Error error) {
                throw error;
            }
            throw e.getCause() instanceof Exception cause ? cause : e;
        } catch (java.util.concurrent.TimeoutException e) {
            throw new AssertionError("the writing thread was stuck in open(2) or write(2) of " + fifo
                    + " for " + timeout + ": no reader read it");
        } finally {
            if (!task.isDone()) { // timed out, or this thread was interrupted (a test's own timeout)
                printAllStacks("the writing thread of " + fifo + " is stuck");
                try (Peer release = Peer.sh("exec cat " + shQuote(fifo.toString()) + " > /dev/null")) {
                    writer.join(timeout.toMillis());
                }
            }
        }
    }

    /** Prints every thread's stack to stdout, for a failure that a stack trace alone would not explain. */
    public static void printAllStacks(String why) {
        StringBuilder dump = new StringBuilder("thread dump: ").append(why).append('\n');
        Thread.getAllStackTraces().forEach((thread, stack) -> {
            dump.append('"').append(thread.getName()).append("\" ").append(thread.getState()).append('\n');
            for (StackTraceElement frame : stack) {
                dump.append("    at ").append(frame).append('\n');
            }
        });
        System.out.print(dump);
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
     * Waits until the process is quiet, for a test that counts threads from a quiet start: no
     * waiter registered with the poller, and no thread in a FIFO call but the poller's own (which
     * idles in its wait for a moment after its last waiter is gone, and is the same thread the
     * test would use). A waiter still registered after {@code timeout} is an earlier test's leak,
     * and the failure names it.
     */
    public static void awaitNoThreadInFifoCalls(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!isQuiet() && System.nanoTime() < deadline) {
            Thread.sleep(5);
        }
        assertThat(dev.reactorfifo.internal.PollerProbe.registeredWaiters()).as("waiters still registered before the test").isEmpty();
        assertThat(threadsInFifoCallsBesidesThePoller()).as("threads in a FIFO call before the test").isEmpty();
    }

    private static boolean isQuiet() {
        return dev.reactorfifo.internal.PollerProbe.registeredWaiters().isEmpty()
                && threadsInFifoCallsBesidesThePoller().isEmpty();
    }

    private static List<String> threadsInFifoCallsBesidesThePoller() {
        List<String> threads = threadsInFifoCalls();
        threads.removeIf(t -> t.startsWith("reactor-fifo-poller-"));
        return threads;
    }

    /** @return the waiters registered with the poller for the FIFO at {@code fifo} */
    public static List<String> waitersOn(Path fifo) {
        String target = "-> " + fifo.toAbsolutePath();
        List<String> found = dev.reactorfifo.internal.PollerProbe.registeredWaiters();
        found.removeIf(w -> !w.endsWith(target) && !w.endsWith(target + " (deleted)"));
        return found;
    }

    /** Waits until the writer into {@code fifo} has armed its wait for room: the pipe is full. */
    public static void awaitWriterWaitingForRoom(Path fifo) throws Exception {
        LinesTest.awaitCondition(() -> waitersOn(fifo).stream().anyMatch(w -> w.contains(", armed")),
                "the writer waits for room in the full pipe");
    }

    /**
     * Waits until the poller has no waiter registered, then asserts it: a test that ends with a
     * subscription still waiting leaks it, and keeps the poller thread alive for the next test.
     */
    public static void awaitNoWaiterRegistered(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!dev.reactorfifo.internal.PollerProbe.registeredWaiters().isEmpty() && System.nanoTime() < deadline) {
            Thread.sleep(5);
        }
        assertThat(dev.reactorfifo.internal.PollerProbe.registeredWaiters()).as("waiters left registered by the test").isEmpty();
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
        assertThat(threads).as("threads left in a FIFO call (waiters registered: %s)",
                dev.reactorfifo.internal.PollerProbe.registeredWaiters()).isEmpty();
    }

    // ---- appended for the reliability tests (issue 6) ----

    /** @return how many descriptors of this process are open on the FIFO at {@code fifo} */
    public static long descriptorsOn(Path fifo) throws IOException {
        String target = fifo.toAbsolutePath().toString();
        return openPipeDescriptors().stream()
                .filter(d -> d.endsWith("-> " + target) || d.endsWith("-> " + target + " (deleted)"))
                .count();
    }

    /**
     * Proves that no {@code boundedElastic()} worker is stuck: as many tasks as the scheduler has
     * threads at most must all run at the same time (each waits for all the others). A worker stuck
     * in a FIFO call would leave at least one of them queued behind it, which counting threads or
     * descriptors alone cannot see (FIFO-FACTS, "a leak can hide itself").
     */
    public static void assertBoundedElasticHasNoBusyWorker(Duration timeout) throws InterruptedException {
        int workers = reactor.core.scheduler.Schedulers.DEFAULT_BOUNDED_ELASTIC_SIZE;
        java.util.concurrent.CountDownLatch allRunning = new java.util.concurrent.CountDownLatch(workers);
        java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
        List<reactor.core.Disposable> tasks = new ArrayList<>();
        try {
            for (int i = 0; i < workers; i++) {
                tasks.add(reactor.core.scheduler.Schedulers.boundedElastic().schedule(() -> {
                    allRunning.countDown();
                    try {
                        release.await(timeout.toMillis() + 1000, TimeUnit.MILLISECONDS);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }));
            }
            boolean all = allRunning.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
            assertThat(all)
                    .as("all %d boundedElastic workers run a task at the same time (%d never started: a worker"
                            + " is busy or stuck)", workers, allRunning.getCount())
                    .isTrue();
        } finally {
            release.countDown();
            tasks.forEach(reactor.core.Disposable::dispose);
        }
    }

    /**
     * kill -9 of a peer and of every process it started ({@code Peer.close()} kills only the
     * peer itself): a shell loop or pipeline must not leave a child blocked in open(2) on a FIFO.
     */
    public static void killTree(Peer peer) throws InterruptedException, IOException {
        if (peer.process.isAlive()) {
            // stopped first, so that it cannot start another child while its children are killed
            new ProcessBuilder("kill", "-STOP", Long.toString(peer.process.pid()))
                    .redirectInput(NO_INPUT).redirectOutput(ProcessBuilder.Redirect.DISCARD)
                    .redirectError(ProcessBuilder.Redirect.DISCARD).start().waitFor(5, TimeUnit.SECONDS);
        }
        peer.process.descendants().forEach(ProcessHandle::destroyForcibly);
        peer.close();
    }
}
