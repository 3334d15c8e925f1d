package dev.reactorfifo.bench;

import dev.reactorfifo.NamedPipe;
import java.io.BufferedReader;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import reactor.core.scheduler.Schedulers;

/**
 * Scenario 8: Reactor on virtual threads. A child JVM on JDK 21+ with
 * {@code -Dreactor.schedulers.defaultBoundedElasticOnVirtualThreads=true} subscribes
 * {@code lines()} to 100 FIFOs whose writer (the native {@link FifoDriver}) is connected and
 * silent; then, at the same moment, subscribes to one more FIFO with a line ready and starts an
 * unrelated virtual thread that sleeps 10 x 10 ms. Both must finish within 1 s: a native call that
 * blocks pins its carrier, and there is one carrier per core, so 100 blocked readers would freeze
 * every virtual thread of the JVM.
 */
final class VirtualThreadScenario {

    static final int IDLE = 100;
    static final String PROPERTY = "reactor.schedulers.defaultBoundedElasticOnVirtualThreads";

    private VirtualThreadScenario() {
    }

    static void run(Context ctx, Report report) throws Exception {
        report.section("8. Virtual threads: " + IDLE + " idle FIFOs and one live one");
        Path jdk = findJdk(21);
        report.paragraph("A child JVM on JDK 21+ (`-D" + PROPERTY + "=true --enable-native-access=ALL-UNNAMED`, soft "
                + "descriptor limit raised) subscribes default `lines()` to " + IDLE + " FIFOs whose writer (one native "
                + "process) is connected and silent, waits 0.5 s, then at the same moment subscribes to a live FIFO "
                + "(`printf 'live\\n' > fifo` waiting in its open) and starts an unrelated `Thread.ofVirtual()` that sleeps "
                + "10 x 10 ms; both are timed from that moment and given 5 s. The child also reports whether "
                + "`Schedulers.boundedElastic()` really ran on a virtual thread.");
        Table t = new Table("JDK", "boundedElastic on virtual threads", "idle writers connected", "live line arrived after, ms",
                "virtual thread's 10 x 10 ms sleep took, ms");
        if (jdk == null) {
            t.row("JDK 21+ not found (looked at this JVM, $JAVA21_HOME/$JAVA25_HOME, /usr/lib/jvm, /opt/java)", "-", "-", "-", "-");
            report.table(t);
            report.verdict("virtual threads", "live line and an unrelated virtual thread's 10 x 10 ms sleep within 1 s",
                    "not run: JDK 21+ not found", false);
            report.endVerdicts();
            return;
        }
        Path dir = FifoDriver.fifos(ctx, "vt-idle", IDLE);
        Path live = ctx.newFifo("vt-live");
        String[] result;
        long connected;
        String version;
        String virtual;
        try (ChildJvm writer = FifoDriver.start(ctx, "vt-writer", "w", dir, IDLE);
                ChildJvm jvm = ctx.child("vthreads", jdk, true, List.of("-Xmx512m", "-D" + PROPERTY + "=true",
                        "--enable-native-access=ALL-UNNAMED"), "vthreads", dir.toString(), String.valueOf(IDLE), live.toString())) {
            String[] ready = jvm.receiveOk(120_000); // VERSION VIRTUAL
            version = ready[0];
            virtual = ready[1];
            connected = Long.parseLong(writer.call("connect " + (ctx.quick ? 3_000 : 10_000), 30_000)[0]);
            TimeUnit.MILLISECONDS.sleep(500);
            Process liveWriter = Shell.start("exec printf 'live\\n' > " + Shell.quote(live));
            try {
                result = jvm.call("go 5000", 30_000); // LIVE_MS VT_MS, -1 = not within 5 s
            } finally {
                liveWriter.destroyForcibly();
            }
        }
        double liveMs = Double.parseDouble(result[0]);
        double vtMs = Double.parseDouble(result[1]);
        t.row(version + " (" + jdk + ")", virtual, connected + " of " + IDLE, liveMs < 0 ? "not within 5 s" : Stats.fmt("%.1f", liveMs),
                vtMs < 0 ? "not within 5 s" : Stats.fmt("%.1f", vtMs));
        report.table(t);
        report.verdict("virtual threads", IDLE + " idle FIFOs + 1 live on JDK 21+ virtual threads: the live line arrives and an "
                        + "unrelated virtual thread's 10 x 10 ms sleep finishes, both within 1 s",
                "line " + (liveMs < 0 ? "not within 5 s" : Stats.fmt("%.0f ms", liveMs)) + ", sleep "
                        + (vtMs < 0 ? "not within 5 s" : Stats.fmt("%.0f ms", vtMs)) + "; boundedElastic virtual: " + virtual
                        + "; " + connected + " of " + IDLE + " idle writers connected",
                liveMs >= 0 && liveMs <= 1000 && vtMs >= 0 && vtMs <= 1000 && virtual.equals("yes") && connected == IDLE);
        report.endVerdicts();
    }

    /** A JDK of at least {@code feature}: this one, $JAVA21_HOME / $JAVA25_HOME, or the newest under the usual folders. */
    static Path findJdk(int feature) throws IOException {
        if (Runtime.version().feature() >= feature) {
            return Path.of(System.getProperty("java.home"));
        }
        List<Path> candidates = new ArrayList<>();
        for (String env : new String[] {"JAVA21_HOME", "JAVA25_HOME"}) {
            String v = System.getenv(env);
            if (v != null) {
                candidates.add(Path.of(v));
            }
        }
        for (String root : new String[] {"/usr/lib/jvm", "/opt/java", "/usr/local/lib/jvm"}) {
            Path r = Path.of(root);
            if (Files.isDirectory(r)) {
                try (DirectoryStream<Path> ds = Files.newDirectoryStream(r)) {
                    ds.forEach(candidates::add);
                }
            }
        }
        Path best = null;
        int bestFeature = 0;
        for (Path home : candidates) {
            int f = featureOf(home);
            if (f >= feature && f > bestFeature && Files.isExecutable(home.resolve("bin").resolve("java"))) {
                best = home;
                bestFeature = f;
            }
        }
        return best;
    }

    /** The feature release in {@code HOME/release} (JAVA_VERSION="25.0.3"), or 0. */
    private static int featureOf(Path home) {
        try {
            for (String line : Files.readAllLines(home.resolve("release"))) {
                if (line.startsWith("JAVA_VERSION=")) {
                    String v = line.substring(13).replace("\"", "");
                    return Integer.parseInt(v.split("[.+-]")[0]);
                }
            }
        } catch (IOException | RuntimeException e) {
            return 0;
        }
        return 0;
    }

    // ---- child side ----------------------------------------------------------------------------

    /**
     * vthreads DIR N LIVE: warms up, subscribes {@code lines()} to DIR/f0 .. f(N-1), answers
     * {@code ok VERSION VIRTUAL(yes|no)}; on {@code go MS} subscribes to LIVE and starts the
     * sleeping virtual thread at the same moment, answers {@code ok LIVE_MS VT_MS} (-1 when not
     * done within MS).
     */
    static void child(String[] args, BufferedReader commands) throws Exception {
        Path dir = Path.of(args[0]);
        int n = Integer.parseInt(args[1]);
        Path live = Path.of(args[2]);
        ConcurrencyScenario.warmUp();
        boolean virtual = CompletableFuture.supplyAsync(() -> isVirtual(Thread.currentThread()),
                        r -> Schedulers.boundedElastic().schedule(r)).get(10, TimeUnit.SECONDS);
        for (int i = 0; i < n; i++) {
            final int index = i;
            NamedPipe.of(dir.resolve("f" + i)).lines().subscribe(line -> { }, e -> System.err.println("f" + index + ": " + e));
        }
        Child.answer("ok " + Runtime.version().feature() + " " + (virtual ? "yes" : "no"));
        String go = commands.readLine();
        if (go == null || !go.startsWith("go ")) {
            return;
        }
        long limit = Long.parseLong(go.substring(3));
        AtomicLong vtDone = new AtomicLong(-1);
        AtomicLong lineAt = new AtomicLong(-1);
        long t0 = System.nanoTime();
        startVirtual(() -> {
            try {
                for (int i = 0; i < 10; i++) {
                    Thread.sleep(10);
                }
                vtDone.set(System.nanoTime());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        NamedPipe.of(live).lines().next().subscribe(line -> lineAt.set(System.nanoTime()), e -> System.err.println("live: " + e));
        long deadline = t0 + limit * 1_000_000L;
        while ((vtDone.get() < 0 || lineAt.get() < 0) && System.nanoTime() < deadline) {
            Thread.sleep(5); // the main thread is a platform thread: it is not held up by pinned carriers
        }
        long vt = vtDone.get();
        long at = lineAt.get();
        Child.answer("ok " + (at < 0 ? "-1" : Stats.fmt("%.2f", (at - t0) / 1e6)) + " " + (vt < 0 ? "-1" : Stats.fmt("%.2f", (vt - t0) / 1e6)));
        System.err.println("live line " + at + ", virtual thread " + vt + ", waited " + Duration.ofNanos(System.nanoTime() - t0));
        Runtime.getRuntime().halt(0); // pinned carriers may never let the JVM exit normally
    }

    /** {@code Thread.isVirtual()}, through reflection: this module compiles for Java 17. */
    private static boolean isVirtual(Thread t) {
        try {
            return (Boolean) Thread.class.getMethod("isVirtual").invoke(t);
        } catch (ReflectiveOperationException e) {
            return false;
        }
    }

    /** {@code Thread.ofVirtual().start(task)}, through reflection. */
    private static void startVirtual(Runnable task) throws ReflectiveOperationException {
        Object builder = Thread.class.getMethod("ofVirtual").invoke(null);
        Class.forName("java.lang.Thread$Builder").getMethod("start", Runnable.class).invoke(builder, task);
    }
}
