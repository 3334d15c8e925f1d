package dev.reactorfifo;

import static dev.reactorfifo.FifoTestSupport.assumeLinux;
import static dev.reactorfifo.FifoTestSupport.awaitReleased;
import static dev.reactorfifo.FifoTestSupport.descriptorsOn;
import static dev.reactorfifo.FifoTestSupport.killTree;
import static dev.reactorfifo.FifoTestSupport.openPipeDescriptors;
import static dev.reactorfifo.FifoTestSupport.shQuote;
import static dev.reactorfifo.FifoTestSupport.threadsInFifoCalls;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.reactorfifo.FifoTestSupport.Peer;
import java.io.File;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.Charset;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserPrincipal;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import reactor.core.Disposable;
import reactor.core.Exceptions;
import reactor.core.publisher.Flux;
import reactor.test.StepVerifier;

/**
 * Issue 6, hostile input: every bad path, bad byte and bad peer gets a typed error or a
 * documented result, never a hang or an OutOfMemoryError. Each test ends by checking that no
 * descriptor and no thread in a FIFO call was left behind.
 */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class HostileInputTest extends ReleaseChecked {

    private static final Duration WAIT = Duration.ofSeconds(20);
    private static final int NOBODY = 65534;

    @TempDir
    Path dir;


    // ---------------------------------------------------------------- paths that are not FIFOs

    @Test
    void missingPathIsNoSuchFileForReaderAndWriter() {
        Path missing = dir.resolve("missing");
        expectError(NamedPipe.of(missing).lines(), NoSuchFileException.class, missing);
        expectError(NamedPipe.of(missing).writeLines(Flux.just("x")), NoSuchFileException.class, missing);
        assertThat(missing).doesNotExist(); // the writer must not create a regular file
    }

    @Test
    void regularFileIsNotAFifoAndIsLeftUntouched() throws IOException {
        Path file = Files.writeString(dir.resolve("file"), "content\n");
        NotAFifoException read = expectError(NamedPipe.of(file).lines(), NotAFifoException.class, file);
        assertThat(read.getReason()).contains("regular file");
        NotAFifoException write = expectError(NamedPipe.of(file).writeLines(Flux.just("injected")),
                NotAFifoException.class, file);
        assertThat(write.getReason()).contains("regular file");
        assertThat(file).hasContent("content");
    }

    @Test
    void directoryIsNotAFifo() {
        NotAFifoException read = expectError(NamedPipe.of(dir).lines(), NotAFifoException.class, dir);
        assertThat(read.getReason()).contains("directory");
        NotAFifoException write = expectError(NamedPipe.of(dir).writeLines(Flux.just("x")), NotAFifoException.class, dir);
        assertThat(write.getReason()).contains("directory");
    }

    @Test
    void danglingSymlinkIsNoSuchFile() throws IOException {
        Path link = Files.createSymbolicLink(dir.resolve("dangling"), dir.resolve("nowhere"));
        expectError(NamedPipe.of(link).lines(), NoSuchFileException.class, link);
        expectError(NamedPipe.of(link).writeLines(Flux.just("x")), NoSuchFileException.class, link);
        assertThat(dir.resolve("nowhere")).doesNotExist();
    }

    @Test
    void symlinkToAFifoWorksBothWays() throws Exception {
        Path fifo = NamedPipe.create(dir.resolve("real")).path();
        Path link = Files.createSymbolicLink(dir.resolve("link"), fifo);
        NamedPipe viaLink = NamedPipe.of(link);

        List<String> received = Collections.synchronizedList(new ArrayList<>());
        CountDownLatch completed = new CountDownLatch(1);
        Disposable reader = viaLink.lines().subscribe(received::add, e -> { }, completed::countDown);
        try {
            viaLink.writeLines(Flux.just("one", "two")).block(WAIT);
            assertThat(completed.await(WAIT.toSeconds(), TimeUnit.SECONDS)).isTrue();
            assertThat(received).containsExactly("one", "two");
        } finally {
            reader.dispose();
        }
        // documented result: deleteIfExists does not follow links; it refuses and keeps both
        NotAFifoException refused = catchThrown(NotAFifoException.class, viaLink::deleteIfExists);
        assertThat(refused.getReason()).contains("symbolic link");
        assertThat(link).isSymbolicLink();
        assertThat(fifo).exists();
    }

    @Test
    void unixSocketFileIsNotAFifo() throws IOException {
        Path socket = dir.resolve("socket");
        try (ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            server.bind(UnixDomainSocketAddress.of(socket)); // a listener: open(2) fails with ENXIO whatever the flags
            NotAFifoException read = expectError(NamedPipe.of(socket).lines(), NotAFifoException.class, socket);
            assertThat(read.getReason()).contains("socket");
            NotAFifoException write = expectError(NamedPipe.of(socket).writeLines(Flux.just("x")),
                    NotAFifoException.class, socket);
            assertThat(write.getReason()).contains("socket");
            // not "no reader", even when the writer was told not to wait
            expectError(NamedPipe.of(socket).writeLines(Flux.just("x"), WriteOptions.defaults().awaitReader(false)),
                    NotAFifoException.class, socket);
            catchThrown(NotAFifoException.class, () -> NamedPipe.createIfAbsent(socket));
            catchThrown(NotAFifoException.class, () -> NamedPipe.of(socket).deleteIfExists());
            assertThat(socket).exists();
        }
    }

    // ---------------------------------------------------------------- permissions (needs another user)

    /**
     * Root ignores permission bits, so the reader and writer run in a child JVM as {@code nobody}.
     * Each FIFO denies one direction and allows the other, so each denial has its own control: the
     * allowed direction gets past the open (the reader's descriptor appears in /proc/self/fd, the
     * non-waiting write reports NoReaderException), which proves the denial is the permission and
     * nothing else.
     */
    @Test
    void noReadOrWritePermissionIsAccessDenied() throws Exception {
        Assumptions.assumeTrue(FifoTestSupport.commandExists("setpriv"), "needs setpriv to drop root");
        Assumptions.assumeTrue(isRoot(), "run as root here; as another user the bits apply in-process");
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
        Path writeOnly = NamedPipe.create(dir.resolve("others-write-only"),
                PosixFilePermissions.fromString("rw-----w-")).path();
        Path readOnly = NamedPipe.create(dir.resolve("others-read-only"),
                PosixFilePermissions.fromString("rw----r--")).path();

        ChildResult child = runChild(List.of("setpriv", "--reuid=" + NOBODY, "--regid=" + NOBODY, "--clear-groups", "--"),
                List.of(), nobodyReadableClasspath(),
                "probe-read=" + writeOnly, "write=" + writeOnly,
                "probe-read=" + readOnly, "write=" + readOnly);

        assertThat(child.exitCode).as(child.output).isZero();
        assertThat(child.results()).satisfiesExactly(
                r -> assertThat(r).startsWith("probe-read ERROR java.nio.file.AccessDeniedException " + writeOnly),
                r -> assertThat(r).startsWith("write ERROR dev.reactorfifo.NoReaderException " + writeOnly),
                r -> assertThat(r).isEqualTo("probe-read OPENED"),
                r -> assertThat(r).startsWith("write ERROR java.nio.file.AccessDeniedException " + readOnly));
    }

    // ---------------------------------------------------------------- memory

    /**
     * 100 MB of 'a' without a terminator, read in a child JVM limited to 64 MiB of heap (which exits
     * with code 3 on any OutOfMemoryError): the default 1 MiB limit fails the Flux with
     * LineTooLongException after about 1 MiB, the child exits normally and the writer dies of
     * SIGPIPE instead of hanging.
     */
    @Test
    void hundredMegabyteLineIsLineTooLongWithoutOutOfMemory() throws Exception {
        Path fifo = NamedPipe.create(dir.resolve("huge")).path();
        Peer feeder = Peer.sh("head -c 100000000 /dev/zero | tr '\\000' a > " + shQuote(fifo.toString()));
        try {
            ChildResult child = runChild(List.of(), List.of("-Xmx64m", "-XX:+ExitOnOutOfMemoryError"),
                    System.getProperty("java.class.path"), "read=" + fifo + "=0");
            assertThat(child.output).doesNotContain("OutOfMemoryError");
            assertThat(child.exitCode).as(child.output).isZero();
            assertThat(child.results()).singleElement().asString()
                    .startsWith("read ERROR dev.reactorfifo.LineTooLongException " + fifo + ": line 1 is longer than"
                            + " maxLineLength (1048576 bytes)");
            feeder.awaitExit(WAIT); // SIGPIPE once the child closed its end: no writer left hanging
        } finally {
            killTree(feeder); // head and tr too, should the test fail before they exit
        }
    }

    /** The control for the test above: without a line limit the same input does exhaust the 64 MiB heap. */
    @Test
    void withoutALineLimitTheSameLineExhaustsTheChildHeap() throws Exception {
        Path fifo = NamedPipe.create(dir.resolve("huge")).path();
        Peer feeder = Peer.sh("head -c 100000000 /dev/zero | tr '\\000' a > " + shQuote(fifo.toString()));
        try {
            ChildResult child = runChild(List.of(), List.of("-Xmx64m", "-XX:+ExitOnOutOfMemoryError"),
                    System.getProperty("java.class.path"), "read=" + fifo + "=0=200000000");
            assertThat(child.exitCode).as(child.output).isEqualTo(3);
            assertThat(child.output).contains("OutOfMemoryError");
            feeder.awaitExit(WAIT);
        } finally {
            killTree(feeder);
        }
    }

    // ---------------------------------------------------------------- bytes

    @Test
    void invalidUtf8IsReplacedUnderReplace() throws Exception {
        Path fifo = NamedPipe.create(dir.resolve("utf8")).path();
        List<String> lines = readAll(fifo, ReadOptions.defaults(),
                "printf 'ok\\n\\377\\376bad\\nhalf \\342\\202\\nafter\\n'");
        assertThat(lines).containsExactly("ok", "\uFFFD\uFFFDbad", "half \uFFFD", "after");
    }

    @Test
    void invalidUtf8FailsWithLineNumberUnderReport() throws Exception {
        Path fifo = NamedPipe.create(dir.resolve("utf8")).path();
        try (Peer writer = Peer.sh("printf 'ok\\n\\377bad\\nafter\\n' > " + shQuote(fifo.toString()))) {
            StepVerifier.create(NamedPipe.of(fifo).lines(ReadOptions.defaults().malformedInput(CodingErrorAction.REPORT)))
                    .expectNext("ok")
                    .expectErrorSatisfies(e -> {
                        assertThat(e).isInstanceOf(MalformedLineException.class)
                                .isInstanceOf(CharacterCodingException.class)
                                .hasMessageContaining(fifo.toString());
                        assertThat(((MalformedLineException) e).lineNumber()).isEqualTo(2);
                    })
                    .verify(WAIT);
            writer.awaitExit(WAIT); // it wrote everything in one write before the reader failed, or got SIGPIPE
        }
    }

    @Test
    void nulBytesAreKeptAsU0000() throws Exception {
        Path fifo = NamedPipe.create(dir.resolve("nul")).path();
        List<String> lines = readAll(fifo, ReadOptions.defaults(), "printf 'a\\000b\\n\\000\\n\\000'");
        assertThat(lines).containsExactly("a\u0000b", "\u0000", "\u0000");
    }

    @Test
    void carriageReturnsAloneTerminateLines() throws Exception {
        Path fifo = NamedPipe.create(dir.resolve("cr")).path();
        List<String> lines = readAll(fifo, ReadOptions.defaults(), "printf 'one\\rtwo\\r\\rthree\\r\\nfour\\r'");
        assertThat(lines).containsExactly("one", "two", "", "three", "four");
    }

    @Test
    void writerThatOpensAndClosesWithoutWritingGivesAnEmptyFlux() throws Exception {
        Path fifo = NamedPipe.create(dir.resolve("empty")).path();
        assertThat(readAll(fifo, ReadOptions.defaults(), ":")).isEmpty();
    }

    // ---------------------------------------------------------------- several readers

    /**
     * Documented result: two subscribers to one {@code lines()} Flux are two readers of the FIFO.
     * Each has its own descriptor and the kernel hands each chunk of bytes to one of them, so lines
     * get torn between them. Only the total is guaranteed: every byte arrives exactly once.
     */
    @Test
    void twoSubscribersSplitTheBytesBetweenThem() throws Exception {
        Path fifo = NamedPipe.create(dir.resolve("two")).path();
        Flux<String> lines = NamedPipe.of(fifo).lines();
        int lineCount = 200_000;
        AtomicLong[] xs = {new AtomicLong(), new AtomicLong()};
        AtomicLong[] counts = {new AtomicLong(), new AtomicLong()};
        AtomicLong foreign = new AtomicLong();
        List<Throwable> errors = Collections.synchronizedList(new ArrayList<>());
        CountDownLatch completed = new CountDownLatch(2);
        List<Disposable> subscriptions = new ArrayList<>();
        try {
            for (int i = 0; i < 2; i++) {
                int me = i;
                subscriptions.add(lines.subscribe(line -> {
                    counts[me].incrementAndGet();
                    long x = line.chars().filter(c -> c == 'x').count();
                    xs[me].addAndGet(x);
                    foreign.addAndGet(line.length() - x);
                }, errors::add, completed::countDown));
            }
            awaitCondition(() -> descriptorsOn(fifo) == 2, "both subscribers opened their own descriptor");
            Peer writer = Peer.sh("yes xxxxxxxxx | head -n " + lineCount + " > " + shQuote(fifo.toString()));
            try {
                assertThat(completed.await(WAIT.toSeconds(), TimeUnit.SECONDS)).as("both complete at EOF").isTrue();
                assertThat(writer.awaitExit(WAIT)).isZero();
            } finally {
                killTree(writer);
            }
        } finally {
            subscriptions.forEach(Disposable::dispose);
        }
        assertThat(errors).isEmpty();
        assertThat(foreign.get()).isZero();
        assertThat(xs[0].get() + xs[1].get()).as("every byte arrives exactly once").isEqualTo(9L * lineCount);
        System.out.printf("two subscribers: %d + %d lines, %d + %d bytes of %d%n", counts[0].get(), counts[1].get(),
                xs[0].get(), xs[1].get(), 9L * lineCount);
    }

    /** The documented way to fan out: {@code share()} reads through one descriptor and gives everyone every line. */
    @Test
    void shareFansOneDescriptorOutToEverySubscriber() throws Exception {
        Path fifo = NamedPipe.create(dir.resolve("shared")).path();
        Flux<String> shared = NamedPipe.of(fifo).lines().share();
        List<List<String>> received = List.of(Collections.synchronizedList(new ArrayList<>()),
                Collections.synchronizedList(new ArrayList<>()));
        CountDownLatch completed = new CountDownLatch(2);
        List<Disposable> subscriptions = new ArrayList<>();
        try {
            for (List<String> into : received) {
                subscriptions.add(shared.subscribe(into::add, e -> { }, completed::countDown));
            }
            awaitCondition(() -> descriptorsOn(fifo) == 1, "the shared Flux opened its descriptor");
            assertThat(descriptorsOn(fifo)).isEqualTo(1);
            try (Peer writer = Peer.sh("seq 1 20000 > " + shQuote(fifo.toString()))) {
                assertThat(completed.await(WAIT.toSeconds(), TimeUnit.SECONDS)).isTrue();
                writer.awaitExit(WAIT);
            }
        } finally {
            subscriptions.forEach(Disposable::dispose);
        }
        List<String> expected = IntStream.rangeClosed(1, 20000).mapToObj(Integer::toString).collect(Collectors.toList());
        assertThat(received.get(0)).isEqualTo(expected);
        assertThat(received.get(1)).isEqualTo(expected);
    }

    // ---------------------------------------------------------------- idle peers: no busy loop

    /**
     * A writer that says one line and then stays connected but silent: the poller waits for it and
     * the threads that could read it burn (almost) no CPU. Three seconds instead of the ten prove the same
     * thing: a busy loop costs CPU in proportion to the wait (about 3,000 ms here against a 250 ms
     * bound); -Dreactorfifo.silentSeconds=10 runs the long form.
     */
    @Test
    void silentWriterCostsNoCpu() throws Exception {
        int seconds = Integer.getInteger("reactorfifo.silentSeconds", 3);
        ThreadMXBean mx = ManagementFactory.getThreadMXBean();
        Assumptions.assumeTrue(mx.isThreadCpuTimeSupported(), "needs per-thread CPU time");
        mx.setThreadCpuTimeEnabled(true);
        Path fifo = NamedPipe.create(dir.resolve("silent")).path();
        AtomicReference<Map<Long, Long>> cpuAtFirstLine = new AtomicReference<>();
        AtomicReference<Map<Long, Long>> cpuAtEnd = new AtomicReference<>();
        long started = System.nanoTime();
        try (Peer writer = Peer.sh("exec 3>" + shQuote(fifo.toString()) + "; printf 'hello\\n' >&3; exec sleep " + seconds)) {
            StepVerifier.create(NamedPipe.of(fifo).lines()
                            .doOnNext(line -> cpuAtFirstLine.set(cpuOfFifoThreads(mx)))
                            .doOnComplete(() -> cpuAtEnd.set(cpuOfFifoThreads(mx))))
                    .expectNext("hello")
                    .then(HostileInputTest::assertThePollerWaits)
                    .expectComplete()
                    .verify(Duration.ofSeconds(seconds + 20));
            writer.awaitExit(WAIT);
        }
        long elapsedMillis = Duration.ofNanos(System.nanoTime() - started).toMillis();
        long cpuMillis = cpuAtEnd.get().entrySet().stream()
                .mapToLong(e -> e.getValue() - cpuAtFirstLine.get().getOrDefault(e.getKey(), 0L)).sum() / 1_000_000;
        System.out.printf("silent writer: FIFO threads used %d ms CPU in %d ms%n", cpuMillis, elapsedMillis);
        assertThat(elapsedMillis).isGreaterThanOrEqualTo(seconds * 1000L - 200);
        assertThat(cpuMillis).as("CPU of the FIFO threads while the writer was silent").isLessThan(250);
    }

    /**
     * In follow mode, after a writer left, the descriptor that saw EOF reports POLLHUP forever; the
     * reader must move to a fresh one and really wait, not spin, until the next writer. Measured
     * over every thread that could wait for it: the scheduler's and the shared poller's.
     */
    @Test
    void followModeBetweenWritersCostsNoCpu() throws Exception {
        ThreadMXBean mx = ManagementFactory.getThreadMXBean();
        Assumptions.assumeTrue(mx.isThreadCpuTimeSupported(), "needs per-thread CPU time");
        mx.setThreadCpuTimeEnabled(true);
        Path fifo = NamedPipe.create(dir.resolve("follow")).path();
        List<String> received = Collections.synchronizedList(new ArrayList<>());
        Disposable subscription = NamedPipe.of(fifo).lines(ReadOptions.defaults().follow(true))
                .subscribe(received::add);
        try {
            try (Peer first = Peer.sh("printf 'a\\n' > " + shQuote(fifo.toString()))) {
                first.awaitExit(WAIT);
            }
            awaitCondition(() -> received.size() == 1, "the first writer's line arrives");
            Thread.sleep(200); // let it pass the EOF and settle on the fresh descriptor
            Map<Long, Long> before = cpuOfFifoThreads(mx);
            Thread.sleep(2000);
            assertThat(threadsInFifoCalls()).as("the poller thread waits").anyMatch(t -> t.startsWith("reactor-fifo-poller"));
            Map<Long, Long> after = cpuOfFifoThreads(mx);
            long cpuMillis = after.entrySet().stream()
                    .mapToLong(e -> e.getValue() - before.getOrDefault(e.getKey(), 0L)).sum() / 1_000_000;
            System.out.printf("follow mode, no writer: FIFO threads used %d ms CPU in 2000 ms%n", cpuMillis);
            assertThat(cpuMillis).isLessThan(200);
            try (Peer second = Peer.sh("printf 'b\\n' > " + shQuote(fifo.toString()))) {
                second.awaitExit(WAIT);
            }
            awaitCondition(() -> received.size() == 2, "the second writer's line arrives");
            assertThat(received).containsExactly("a", "b");
        } finally {
            subscription.dispose();
        }
    }

    /** @return CPU nanoseconds of every scheduler or poller thread that could be reading a FIFO */
    private static Map<Long, Long> cpuOfFifoThreads(ThreadMXBean mx) {
        Map<Long, Long> cpu = new HashMap<>();
        for (Thread t : Thread.getAllStackTraces().keySet()) {
            if (t.getName().startsWith("boundedElastic") || t.getName().startsWith("reactor-fifo-poller")) {
                long nanos = mx.getThreadCpuTime(t.getId());
                if (nanos >= 0) {
                    cpu.put(t.getId(), nanos);
                }
            }
        }
        return cpu;
    }

    /**
     * Descriptors are close-on-exec: a process started while readers and writers hold FIFO ends,
     * and the poller its epoll descriptor (or wake-up pipe), inherits none of them (a child holding a write
     * end would hide every EOF from the reader; one holding a read end would steal lines). The
     * child is started with posix_spawn through jnr, not ProcessBuilder, which closes every
     * descriptor above 2 itself and so would prove nothing.
     */
    @Test
    void childProcessesInheritNoFifoOrWakeUpDescriptor() throws Exception {
        Path readFifo = NamedPipe.create(dir.resolve("read")).path();
        Path writeFifo = NamedPipe.create(dir.resolve("write")).path();
        List<Disposable> subscriptions = new ArrayList<>();
        try {
            subscriptions.add(NamedPipe.of(readFifo).lines(ReadOptions.defaults()).subscribe());
            // waiting for a reader: a timer, no FIFO descriptor yet
            subscriptions.add(NamedPipe.of(writeFifo).writeLines(Flux.just("x"), WriteOptions.defaults()).subscribe());
            awaitCondition(() -> descriptorsOn(readFifo) == 1, "the reader opened the FIFO");
            awaitCondition(() -> !threadsInFifoCalls().isEmpty(), "the poller thread waits for the reader's FIFO");
            List<String> ours = openPipeDescriptors().stream().filter(d -> !baseline.contains(d))
                    .map(d -> d.substring(d.indexOf(" -> ") + 4)).collect(Collectors.toList());
            assertThat(ours).as("FIFO ends that could be inherited").contains(readFifo.toString());
            boolean epoll = !"poll".equals(System.getProperty("dev.reactorfifo.poller"));
            if (epoll) {
                assertThat(descriptorTargets()).as("the poller's epoll descriptor").anyMatch(t -> t.contains("eventpoll"));
            } else {
                assertThat(ours).as("the poller's wake-up pipe").anyMatch(t -> t.startsWith("pipe:"));
            }

            List<String> inherited = descriptorsOfASpawnedChild();
            assertThat(inherited).as("the spawned child's descriptors").isNotEmpty();
            assertThat(inherited).as("descriptors of this library the child inherited").doesNotContainAnyElementsOf(ours);
            assertThat(inherited).as("an epoll descriptor the child inherited").noneMatch(t -> t.contains("eventpoll"));
        } finally {
            subscriptions.forEach(Disposable::dispose);
        }
    }

    /** @return the targets of every descriptor of this process */
    private static List<String> descriptorTargets() throws IOException {
        List<String> targets = new ArrayList<>();
        try (java.util.stream.Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
            for (Path fd : (Iterable<Path>) fds::iterator) {
                try {
                    targets.add(Files.readSymbolicLink(fd).toString());
                } catch (IOException closedMeanwhile) {
                    // the listing's own descriptor
                }
            }
        }
        return targets;
    }

    /** @return the targets of every descriptor of a child spawned with posix_spawnp, which closes nothing itself */
    private List<String> descriptorsOfASpawnedChild() throws Exception {
        Path listing = dir.resolve("fds");
        jnr.posix.POSIX posix = jnr.posix.POSIXFactory.getNativePOSIX();
        long pid = posix.posix_spawnp("sh", List.of(),
                List.of("sh", "-c", "for fd in /proc/$$/fd/*; do readlink \"$fd\"; done > " + shQuote(listing.toString())),
                List.of("PATH=/usr/bin:/bin"));
        assertThat(pid).as("posix_spawnp").isPositive();
        int[] status = new int[1];
        assertThat(posix.waitpid(pid, status, 0)).isEqualTo(pid);
        return Files.readAllLines(listing);
    }

    // ---------------------------------------------------------------- options and lifecycle

    @Test
    void charsetsThatAreNotAsciiCompatibleAreRefused() {
        for (Charset refused : List.of(StandardCharsets.UTF_16, StandardCharsets.UTF_16LE, StandardCharsets.UTF_16BE,
                Charset.forName("UTF-32"))) {
            assertThatThrownBy(() -> ReadOptions.defaults().charset(refused))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining(refused.name());
            assertThatThrownBy(() -> WriteOptions.defaults().charset(refused))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining(refused.name());
        }
        // the control: ASCII-compatible charsets are accepted
        assertThat(ReadOptions.defaults().charset(StandardCharsets.ISO_8859_1).charset()).isEqualTo(StandardCharsets.ISO_8859_1);
        assertThat(WriteOptions.defaults().charset(StandardCharsets.US_ASCII).charset()).isEqualTo(StandardCharsets.US_ASCII);
    }

    @Test
    void createIfAbsentRefusesAFifoOwnedByAnotherUser() throws Exception {
        Assumptions.assumeTrue(isRoot(), "only root can give a FIFO to another user");
        Path fifo = NamedPipe.create(dir.resolve("planted")).path();
        UserPrincipal nobody = fifo.getFileSystem().getUserPrincipalLookupService().lookupPrincipalByName("nobody");
        Files.getFileAttributeView(fifo, PosixFileAttributeView.class).setOwner(nobody);

        UnsafeFifoException refused = catchThrown(UnsafeFifoException.class, () -> NamedPipe.createIfAbsent(fifo));
        assertThat(refused).isNotInstanceOf(NotAFifoException.class);
        assertThat(refused.getFile()).isEqualTo(fifo.toString());
        assertThat(refused.getReason()).contains("belongs to uid " + NOBODY);
        assertThat(Files.getOwner(fifo)).isEqualTo(nobody); // left as it was
        // the control: once it is ours again, it is reused
        Files.getFileAttributeView(fifo, PosixFileAttributeView.class)
                .setOwner(fifo.getFileSystem().getUserPrincipalLookupService().lookupPrincipalByName("root"));
        assertThat(NamedPipe.createIfAbsent(fifo).path()).isEqualTo(fifo);
    }

    @Test
    void createIfAbsentRefusesAFifoWiderThanRequested() throws Exception {
        Path fifo = NamedPipe.create(dir.resolve("wide"), PosixFilePermissions.fromString("rw-rw-rw-")).path();
        UnsafeFifoException refused = catchThrown(UnsafeFifoException.class, () -> NamedPipe.createIfAbsent(fifo));
        assertThat(refused).isNotInstanceOf(NotAFifoException.class);
        assertThat(refused.getReason()).contains("rw-rw-rw-").contains("rw-------");
        assertThat(Files.getPosixFilePermissions(fifo)).isEqualTo(PosixFilePermissions.fromString("rw-rw-rw-"));
        // the control: a request at least as wide as the FIFO reuses it, a narrower FIFO too
        assertThat(NamedPipe.createIfAbsent(fifo, PosixFilePermissions.fromString("rw-rw-rw-")).path()).isEqualTo(fifo);
        Path narrow = NamedPipe.create(dir.resolve("narrow")).path();
        assertThat(NamedPipe.createIfAbsent(narrow, PosixFilePermissions.fromString("rw-rw----")).path()).isEqualTo(narrow);
    }

    @Test
    void createIfAbsentRefusesSomethingElse() throws Exception {
        Path file = Files.writeString(dir.resolve("file"), "keep me");
        NotAFifoException refused = catchThrown(NotAFifoException.class, () -> NamedPipe.createIfAbsent(file));
        assertThat(refused.getReason()).contains("regular file");
        assertThat(file).hasContent("keep me");
    }

    @Test
    void deleteIfExistsRefusesARegularFileAndKeepsIt() throws Exception {
        Path file = Files.writeString(dir.resolve("file"), "keep me");
        NotAFifoException refused = catchThrown(NotAFifoException.class, () -> NamedPipe.of(file).deleteIfExists());
        assertThat(refused.getReason()).contains("regular file");
        assertThat(file).hasContent("keep me");
        catchThrown(NotAFifoException.class, () -> NamedPipe.of(dir).deleteIfExists());
        assertThat(dir).isDirectory();
        // the control: a FIFO is deleted, then there is nothing to delete
        NamedPipe fifo = NamedPipe.create(dir.resolve("fifo"));
        assertThat(fifo.deleteIfExists()).isTrue();
        assertThat(fifo.path()).doesNotExist();
        assertThat(fifo.deleteIfExists()).isFalse();
    }

    // ---------------------------------------------------------------- security

    /** Under the test JVM's umask (022 here) a requested rw-rw-rw- is exact, and the umask is unchanged. */
    @Test
    void requestedPermissionsAreExactAndTheUmaskIsUntouched() throws Exception {
        String umask = currentUmask();
        Path wide = NamedPipe.create(dir.resolve("wide"), PosixFilePermissions.fromString("rw-rw-rw-")).path();
        Path plain = NamedPipe.create(dir.resolve("plain")).path();
        Path ifAbsent = NamedPipe.createIfAbsent(dir.resolve("if-absent")).path();
        assertThat(perms(wide)).isEqualTo("rw-rw-rw-");
        assertThat(perms(plain)).isEqualTo("rw-------");
        assertThat(perms(ifAbsent)).isEqualTo("rw-------");
        assertThat(currentUmask()).isEqualTo(umask);
    }

    /**
     * The umask can only take bits away, and 0777 takes them all: in a child JVM started under
     * umask 0777, new FIFOs still get exactly what was asked ({@code rw-------} by default) and the
     * umask is the same afterwards.
     */
    @Test
    void newFifosGetExactlyTheirPermissionsWhateverTheUmask() throws Exception {
        ChildResult child = runChild(List.of("sh", "-c", "umask 0777; exec \"$@\"", "sh"), List.of(),
                System.getProperty("java.class.path"),
                "umask", "create=" + dir.resolve("plain"), "create=" + dir.resolve("wide") + "=rw-rw-rw-",
                "createIfAbsent=" + dir.resolve("if-absent"), "umask");
        assertThat(child.exitCode).as(child.output).isZero();
        assertThat(child.results()).containsExactly(
                "umask 0777",
                "create rw-------",
                "create rw-rw-rw-",
                "createIfAbsent rw-------",
                "umask 0777");
    }

    /**
     * createTemp's folder must be {@code rwx------} whatever the umask, like the FIFO in it. Run as
     * {@code nobody} (root would not notice a folder it cannot write) under umask 0277, which leaves
     * the owner only {@code r-x} on a new folder. The child sets that umask itself once jnr is
     * loaded: jffi cannot extract its native library under such a umask.
     */
    @Test
    void createTempFolderIsPrivateWhateverTheUmask() throws Exception {
        Assumptions.assumeTrue(FifoTestSupport.commandExists("setpriv"), "needs setpriv to drop root");
        Assumptions.assumeTrue(isRoot(), "run as root here, to become nobody");
        ChildResult child = runChild(List.of("setpriv", "--reuid=" + NOBODY, "--regid=" + NOBODY, "--clear-groups",
                        "--"), List.of(), nobodyReadableClasspath(),
                "setUmask=0277", "umask", "createTemp", "umask");
        assertThat(child.exitCode).as(child.output).isZero();
        assertThat(child.results()).containsExactly(
                "setUmask 0022",
                "umask 0277",
                "createTemp folder rwx------ fifo rw------- deleted true folder-gone true",
                "umask 0277");
    }

    @Test
    void createTempMakesAPrivateFolderThatDeleteIfExistsRemoves() throws Exception {
        NamedPipe pipe = NamedPipe.createTemp();
        Path folder = pipe.path().getParent();
        try {
            assertThat(pipe.path().getFileName()).hasToString("fifo");
            assertThat(perms(folder)).isEqualTo("rwx------");
            assertThat(perms(pipe.path())).isEqualTo("rw-------");
            assertThat(Files.readAttributes(pipe.path(), "unix:uid").get("uid")).isEqualTo(euid());
            assertThat(pipe.deleteIfExists()).isTrue();
            assertThat(folder).doesNotExist();
            assertThat(pipe.deleteIfExists()).isFalse();
        } finally {
            Files.deleteIfExists(pipe.path());
            Files.deleteIfExists(folder);
        }
    }

    // ================================================================ helpers

    private static <E extends Throwable> E expectError(org.reactivestreams.Publisher<?> publisher, Class<E> type,
            Path path) {
        AtomicReference<Throwable> error = new AtomicReference<>();
        StepVerifier.create(publisher)
                .expectErrorSatisfies(error::set)
                .verify(WAIT);
        assertThat(error.get()).isInstanceOf(type).hasMessageContaining(path.toString());
        return type.cast(error.get());
    }

    interface ThrowingAction {
        void run() throws Exception;
    }

    private static <E extends Throwable> E catchThrown(Class<E> type, ThrowingAction action) {
        try {
            action.run();
        } catch (Throwable t) {
            assertThat(t).isInstanceOf(type);
            return type.cast(t);
        }
        throw new AssertionError("expected " + type.getName() + ", nothing was thrown");
    }

    /** Starts the writer script (whose open waits for this reader), reads to EOF, checks the writer exited cleanly. */
    private static List<String> readAll(Path fifo, ReadOptions options, String printCommand) throws Exception {
        try (Peer writer = Peer.sh(printCommand + " > " + shQuote(fifo.toString()))) {
            List<String> lines = NamedPipe.of(fifo).lines(options).collectList().block(WAIT);
            assertThat(writer.awaitExit(WAIT)).isZero();
            return lines;
        }
    }

    interface Condition {
        boolean holds() throws Exception;
    }

    static void awaitCondition(Condition condition, String what) throws Exception {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (!condition.holds()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting until " + what);
            }
            Thread.sleep(5);
        }
    }

    /** The reader waits through the poller thread; its own thread (after a linger of at most 5 ms) does not. */
    private static void assertThePollerWaits() {
        try {
            awaitCondition(() -> threadsInFifoCalls().size() == 1
                    && threadsInFifoCalls().get(0).startsWith("reactor-fifo-poller"), "only the poller thread waits");
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    private static String perms(Path path) throws IOException {
        return PosixFilePermissions.toString(Files.getPosixFilePermissions(path));
    }

    private static int euid() throws IOException {
        return (Integer) Files.readAttributes(Path.of("/proc/self"), "unix:uid").get("uid");
    }

    private static boolean isRoot() throws IOException {
        return euid() == 0;
    }

    /** @return this process's umask as four octal digits, read from /proc without changing it */
    static String currentUmask() throws IOException {
        try (Stream<String> status = Files.lines(Path.of("/proc/self/status"))) {
            return status.filter(l -> l.startsWith("Umask:")).map(l -> l.substring(6).trim()).findFirst()
                    .orElseThrow(() -> new AssertionError("no Umask in /proc/self/status (Linux < 4.7?)"));
        }
    }

    // ---------------------------------------------------------------- child JVM

    static final class ChildResult {
        final int exitCode;
        final String output;

        ChildResult(int exitCode, String output) {
            this.exitCode = exitCode;
            this.output = output;
        }

        List<String> results() {
            return output.lines().filter(l -> l.startsWith("RESULT ")).map(l -> l.substring(7))
                    .collect(Collectors.toList());
        }
    }

    private ChildResult runChild(List<String> prefix, List<String> jvmOptions, String classpath, String... ops)
            throws Exception {
        Path output = Files.createTempFile(dir, "child", ".out");
        List<String> command = new ArrayList<>(prefix);
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        // a short-lived child on a shared 2-core machine: C1 only and one GC thread start fastest
        command.addAll(List.of("-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC"));
        command.addAll(jvmOptions);
        command.add("-cp");
        command.add(classpath);
        command.add(Child.class.getName());
        command.addAll(List.of(ops));
        Process process = new ProcessBuilder(command)
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                .redirectOutput(output.toFile())
                .redirectErrorStream(true)
                .start();
        try {
            if (!process.waitFor(60, TimeUnit.SECONDS)) {
                throw new AssertionError("child JVM did not exit within 60 s: " + Files.readString(output));
            }
            return new ChildResult(process.exitValue(), Files.readString(output));
        } finally {
            process.destroyForcibly();
        }
    }

    private static Path nobodyClasspath;

    /** The test classpath, with the jars from root's private Maven repository copied where nobody can read them. */
    private static synchronized String nobodyReadableClasspath() throws IOException {
        if (nobodyClasspath == null) {
            Path copies = Files.createTempDirectory("reactor-fifo-nobody-cp");
            copies.toFile().deleteOnExit();
            Files.setPosixFilePermissions(copies, PosixFilePermissions.fromString("rwxr-xr-x"));
            nobodyClasspath = copies;
        }
        List<String> entries = new ArrayList<>();
        int i = 0;
        for (String entry : System.getProperty("java.class.path").split(File.pathSeparator)) {
            Path path = Path.of(entry);
            if (Files.isRegularFile(path)) {
                Path copy = nobodyClasspath.resolve(i++ + "-" + path.getFileName());
                if (!Files.exists(copy)) {
                    Files.copy(path, copy, StandardCopyOption.REPLACE_EXISTING);
                    Files.setPosixFilePermissions(copy, PosixFilePermissions.fromString("rw-r--r--"));
                    copy.toFile().deleteOnExit();
                }
                entries.add(copy.toString());
            } else {
                entries.add(entry); // target/classes and target/test-classes: readable by all
            }
        }
        return String.join(File.pathSeparator, entries);
    }

    /**
     * Runs in a child JVM. Each argument is one operation {@code kind=path[=param...]}; each prints
     * one {@code RESULT} line.
     */
    public static final class Child {

        private Child() {
        }

        public static void main(String[] args) throws Exception {
            for (String op : args) {
                String[] f = op.split("=");
                String result;
                try {
                    result = run(f);
                } catch (Throwable t) {
                    Throwable e = Exceptions.unwrap(t);
                    result = "ERROR " + e.getClass().getName() + " " + e.getMessage();
                }
                System.out.println("RESULT " + f[0] + " " + result);
                System.out.flush();
            }
            System.exit(0);
        }

        private static String run(String[] f) throws Throwable {
            switch (f[0]) {
                case "read": {
                    // read=path=waitMillis[=maxLineLength]: count lines to EOF (0) or for waitMillis
                    ReadOptions options = ReadOptions.defaults();
                    if (f.length > 3) {
                        options = options.maxLineLength(Integer.parseInt(f[3]));
                    }
                    Flux<String> lines = NamedPipe.of(Path.of(f[1])).lines(options);
                    long wait = Long.parseLong(f[2]);
                    if (wait > 0) {
                        lines = lines.take(Duration.ofMillis(wait));
                    }
                    return "COMPLETE " + lines.count().block(Duration.ofSeconds(50));
                }
                case "probe-read": {
                    // probe-read=path: subscribe, then report the error or the open descriptor, whichever comes first
                    AtomicReference<Throwable> error = new AtomicReference<>();
                    Disposable reader = NamedPipe.of(Path.of(f[1])).lines().subscribe(l -> { }, error::set);
                    try {
                        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
                        while (System.nanoTime() < deadline) {
                            if (error.get() != null) {
                                throw error.get();
                            }
                            if (descriptorsOn(Path.of(f[1])) > 0) {
                                return "OPENED";
                            }
                            Thread.sleep(5);
                        }
                        return "TIMEOUT";
                    } finally {
                        reader.dispose();
                    }
                }
                case "write":
                    NamedPipe.of(Path.of(f[1])).writeLines(Flux.just("x"), WriteOptions.defaults().awaitReader(false))
                            .block(Duration.ofSeconds(50));
                    return "COMPLETE";
                case "umask":
                    return currentUmask();
                case "setUmask": // after loading jnr, whose native library cannot be extracted under some umasks
                    int previous = jnr.posix.POSIXFactory.getNativePOSIX().umask(Integer.parseInt(f[1], 8));
                    return String.format("%04o", previous);
                case "create": {
                    Set<PosixFilePermission> wanted = f.length > 2 ? PosixFilePermissions.fromString(f[2]) : null;
                    Path p = (wanted == null ? NamedPipe.create(Path.of(f[1])) : NamedPipe.create(Path.of(f[1]), wanted)).path();
                    return perms(p);
                }
                case "createIfAbsent":
                    return perms(NamedPipe.createIfAbsent(Path.of(f[1])).path());
                case "createTemp": {
                    NamedPipe pipe = NamedPipe.createTemp();
                    Path folder = pipe.path().getParent();
                    String modes = "folder " + perms(folder) + " fifo " + perms(pipe.path());
                    boolean deleted = pipe.deleteIfExists();
                    return modes + " deleted " + deleted + " folder-gone " + Files.notExists(folder);
                }
                default:
                    throw new IllegalArgumentException("unknown operation " + f[0]);
            }
        }
    }
}
