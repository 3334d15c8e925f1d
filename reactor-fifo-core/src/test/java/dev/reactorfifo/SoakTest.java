package dev.reactorfifo;

import static dev.reactorfifo.FifoTestSupport.assertBoundedElasticHasNoBusyWorker;
import static dev.reactorfifo.FifoTestSupport.assumeLinux;
import static dev.reactorfifo.FifoTestSupport.awaitNoThreadInFifoCalls;
import static dev.reactorfifo.FifoTestSupport.awaitReleased;
import static dev.reactorfifo.FifoTestSupport.descriptorsOn;
import static dev.reactorfifo.FifoTestSupport.openPipeDescriptors;
import static dev.reactorfifo.FifoTestSupport.shQuote;
import static dev.reactorfifo.FifoTestSupport.waitersOn;
import static org.assertj.core.api.Assertions.assertThat;

import dev.reactorfifo.FifoTestSupport.Peer;
import java.io.IOException;
import java.lang.management.BufferPoolMXBean;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import jnr.constants.platform.Signal;
import jnr.posix.POSIX;
import jnr.posix.POSIXFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.api.io.TempDir;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.scheduler.Schedulers;
import reactor.test.StepVerifier;

/**
 * Issue 16, the soak run: {@value #FIFOS} FIFOs, each followed by a {@code lines(follow(true))}
 * subscription that is cancelled and resubscribed at random (some end themselves with
 * {@code take(n)} from {@code onNext}, some request in small steps through {@code limitRate}, some
 * hand their lines to another thread through {@code publishOn}), while writer processes
 * ({@code sh}, {@value #MAX_WRITERS_DEFAULT} alive at once by default, rotating over the FIFOs)
 * start, write identifiable lines in bursts, and are killed with {@code kill -9} at random
 * moments, often mid-line, or exit by themselves; half the FIFOs whose writer ended get the next
 * one at once or within milliseconds, the rest later. At the end: every complete line a writer
 * wrote was read exactly once by each subscription that was live through it, no pipe descriptor,
 * thread in a FIFO call, poller waiter or direct buffer beyond the read pool's is left, and a
 * fresh subscription still delivers.
 *
 * <p>Runs only when {@code reactorfifo.soakSeconds} is set to a positive number of seconds: the
 * {@code soak} profile sets 60 ({@code .ci/run}), {@code -Dreactorfifo.soakSeconds=600} runs it
 * longer. {@code -Dreactorfifo.soakSeed=N} repeats a run's random choices (the seed is printed
 * first; the timing of processes and threads is not repeatable, so it repeats the plan, not the
 * interleaving); {@code -Dreactorfifo.soakWriters=N} sets how many writer processes live at once;
 * {@code -Dreactorfifo.soakKeepGoing=true} runs on after a violation, to count them, instead of
 * stopping at the first.
 *
 * <h2>What is known about the lines, and how</h2>
 *
 * Writer generation {@code g} of FIFO {@code f} writes line {@code s} (s = 0, 1, ...) as
 * {@code <f.g.s.PAD>\n} in three {@code write(2)}s: the head {@code <f.g.s.}, the generation's
 * padding (lowercase letters), and {@code >\n}. Each write is shorter than {@code PIPE_BUF}, so
 * the pipe holds each whole or not at all, and a line is complete exactly when its content ends
 * with {@code >}; a kill between the writes leaves a fragment {@code <f.g.s.} or
 * {@code <f.g.s.PAD}. The ground truth of what a killed writer wrote is the kernel's: the writer
 * is stopped ({@code SIGSTOP}), its {@code wchar} read from {@code /proc/PID/io} (every byte it
 * writes goes to the FIFO), then it is killed ({@code SIGKILL}); the byte count says how many
 * complete lines it wrote and how long its fragment is. A writer that exits by itself wrote the
 * lines it was told to (and, if told, a head as its fragment); one that died of {@code SIGPIPE}
 * (it wrote while a resubscription left the FIFO without a reader) has no known count.
 *
 * <h2>What is checked</h2>
 *
 * Every subscription's lines, as they arrive: each line splits into pieces at {@code <} (which
 * only starts a line); a piece must be a complete line or a fragment of its FIFO's writers,
 * byte-exact; within a subscription a generation's pieces are consecutive lines without gap or
 * repeat, a fragment is its generation's last piece, and generations come in the order they ran;
 * no complete line reaches two subscriptions. Afterwards, against the ground truth, for each
 * subscription S, whose descriptor was open from {@code opened} (seen in {@code /proc/self/fd})
 * until {@code cancelled} (the cancel's first step), and each generation G:
 * <ul>
 *   <li>G started after {@code opened}: S got G from line 0 on, if at all;</li>
 *   <li>S got a later generation than G, or G's fragment, or S was live when every writer had
 *       been killed at the end: S got G to its exact end (every complete line, then the fragment
 *       if there was one), if it got any of G or G started after {@code opened};</li>
 *   <li>G ran wholly between {@code opened} and {@code cancelled}: G cannot have died of
 *       {@code SIGPIPE}.</li>
 * </ul>
 * A subscription's first line alone may be the tail of a line whose start the previous
 * subscription of the FIFO read before it was cancelled ("junk"): the soak starts a subscription
 * only once the previous one's descriptor is closed, so the bytes of a FIFO go to one
 * subscription at a time and no other junk is possible.
 *
 * <h2>What is tolerated at a writer's hang-up, and why</h2>
 *
 * The README's follow mode: a writer's unterminated fragment is emitted as a line of its own at
 * its EOF, "provided the next writer connects after the last one closed: a pipe carries no in-band
 * EOF, so bytes of writers that overlap in time are one byte stream", and LinesTest's follow test
 * says where that proviso really ends: the reader decides that a writer has gone when the poller
 * looks at the hang-up (and reads on until the pipe is empty), so a next writer that connects and
 * writes before that look is one byte stream with the last. This soak starts a FIFO's next writer
 * only after the previous one is dead and reaped, but often at once, inside that window. So a
 * dead writer's fragment may be followed, in the same line, by the next writer's bytes ("glued"):
 * tolerated exactly in that form, the fragment of one generation followed by pieces of later
 * generations of the same FIFO, byte-exact, in order, nothing lost; the glued lines are counted
 * and printed with the longest time between the dead writer's reaping and its successor's start
 * (not bounded: how late the poller looks depends on the machine's load). Nothing else is
 * tolerated: a complete line is never glued (its {@code >\n} is one write), and no fragment may
 * appear but at a generation's end. In particular a complete line of the next writer that comes
 * in two lines, its start emitted as a fragment (the reader put the last writer's EOF inside it)
 * and its rest as a line, fails the soak: the README's lines end at a terminator or at their own
 * writer's EOF. The soak names that case in one violation.
 */
@EnabledIfSystemProperty(named = "reactorfifo.soakSeconds", matches = "[1-9][0-9]*")
@Timeout(value = 6, unit = TimeUnit.HOURS) // a backstop only: every wait below has its own bound
class SoakTest {

    private static final int SECONDS = Integer.getInteger("reactorfifo.soakSeconds", 0);
    private static final int FIFOS = 200;
    /**
     * Writer processes alive at once, rotating over the FIFOs. Measured on 2 CPUs: 24 or 40 cost
     * the soak about the same, some 0.4 CPU; 200 at once would measure little but sh.
     */
    private static final int MAX_WRITERS_DEFAULT = 32;
    private static final int MAX_WRITERS = Integer.getInteger("reactorfifo.soakWriters", MAX_WRITERS_DEFAULT);
    /** -Dreactorfifo.soakKeepGoing=true: run the whole time after a violation (to count them) instead of stopping at the first. */
    private static final boolean KEEP_GOING = Boolean.getBoolean("reactorfifo.soakKeepGoing");
    private static final Duration WAIT = Duration.ofSeconds(10);
    /** How long the live subscriptions get to read what the last writers wrote before they were killed. */
    private static final Duration FINAL_DRAIN = Duration.ofSeconds(30);

    /**
     * A writer generation: {@code $1} FIFO, {@code $2} FIFO index, {@code $3} generation, {@code $4}
     * padding, {@code $5} lines per burst, {@code $6} where the pause after a burst falls (0 after
     * the line, 1 after its head, 2 after its padding: mid-line), {@code $7} lines to write before
     * exiting (-1: until killed), {@code $8} 1: write the next line's head before exiting (an
     * unterminated fragment at a normal exit). A pause is a {@code read} of a token the driver
     * writes to the writer's stdin when the pause is over: only builtins of dash, so the writer
     * starts no process (a {@code sleep} per pause cost 2 CPUs a second fork and exec), and no other
     * process ever holds its FIFO.
     */
    private static final String WRITER = "exec 3>\"$1\"\n"
            + "f=$2; g=$3; p=$4; b=$5; w=$6; n=$7; i=0\n"
            + "while [ \"$n\" -lt 0 ] || [ \"$i\" -lt \"$n\" ]; do\n"
            + "  printf '<%s.%s.%s.' \"$f\" \"$g\" \"$i\" >&3\n"
            + "  if [ $((i % b)) -eq 0 ] && [ \"$w\" = 1 ]; then read t; fi\n"
            + "  printf '%s' \"$p\" >&3\n"
            + "  if [ $((i % b)) -eq 0 ] && [ \"$w\" = 2 ]; then read t; fi\n"
            + "  printf '>\\n' >&3\n"
            + "  i=$((i + 1))\n"
            + "  if [ $((i % b)) -eq 0 ] && [ \"$w\" = 0 ]; then read t; fi\n"
            + "done\n"
            + "if [ \"$8\" = 1 ]; then printf '<%s.%s.%s.' \"$f\" \"$g\" \"$i\" >&3; fi\n";
    /** Lines per second a writer aims at (its pauses are at least 2 ms, so a burst of one line caps it at 500). */
    private static final int[] RATES = {20, 100, 500, 2000};
    /** A writer's stdin is a pipe of 64 KiB that the driver must never fill: one byte per token. */
    private static final int MAX_TOKENS = 60_000;
    private static final POSIX POSIX_CALLS = POSIXFactory.getNativePOSIX();

    @TempDir
    Path dir;

    private Random random;
    private final NamedPipe[] pipes = new NamedPipe[FIFOS];
    /** Every generation by {@link #key}; each FIFO's generations are numbered from 0. */
    private final Map<Long, Gen> gens = new ConcurrentHashMap<>();
    private final List<List<Gen>> gensOf = new ArrayList<>();
    private final int[] nextGen = new int[FIFOS];
    private final Gen[] writerOn = new Gen[FIFOS];
    private final List<Gen> alive = new ArrayList<>();
    /** FIFOs to get their next writer soon after the last one ended: {fifo, not before (nanoTime)} */
    private final List<long[]> restarts = new ArrayList<>();
    private final Sub[] subOn = new Sub[FIFOS];
    private final List<Sub> allSubs = new ArrayList<>();
    private final ConcurrentLinkedQueue<String> violations = new ConcurrentLinkedQueue<>();
    private final AtomicLong violationCount = new AtomicLong();

    // counts
    private final AtomicLong completeLines = new AtomicLong();
    private final AtomicLong fragments = new AtomicLong();
    private final AtomicLong gluedLines = new AtomicLong();
    private final AtomicLong junkLines = new AtomicLong();
    private final AtomicLong maxGlueGapNanos = new AtomicLong(-1);
    private int generations;
    private int restarted;
    private int killed;
    private int killedMidLine;
    private int killedWhileOpening;
    private int exitedNormally;
    private int diedOfSigpipe;
    private int resubscribes;
    private int takeEnded;
    private int exactlyChecked;
    private long peakDirectBytes;
    /** What a process has written once {@link ProcessBuilder#start} returns, before it runs (see {@link #measureLaunchBytes}). */
    private long launchBytes;
    private int subIds;

    // ================================================================ the test

    @Test
    void soak() throws Exception {
        assumeLinux();
        assertThat(FifoTestSupport.commandExists("sh")).isTrue();
        String seedProperty = System.getProperty("reactorfifo.soakSeed", "").trim();
        long seed = seedProperty.isEmpty() ? System.nanoTime() ^ Double.doubleToLongBits(Math.random()) : Long.parseLong(seedProperty);
        random = new Random(seed);
        launchBytes = measureLaunchBytes();
        System.out.printf("SoakTest: seed %d (-Dreactorfifo.soakSeed=%d repeats its choices), %d s, %d FIFOs,"
                + " %d writer processes at once; a launched process has written %d bytes before it runs%n",
                seed, seed, SECONDS, FIFOS, MAX_WRITERS, launchBytes);

        awaitNoThreadInFifoCalls(WAIT);
        List<String> baseline = openPipeDescriptors();
        BufferPoolMXBean directPool = directPool();
        long directCountBefore = directPool.getCount();
        long directBytesBefore = directPool.getMemoryUsed();
        Map<String, Long> threadsBefore = threadCensus();

        for (int f = 0; f < FIFOS; f++) {
            pipes[f] = NamedPipe.create(dir.resolve("fifo-" + f));
            gensOf.add(new ArrayList<>());
        }
        for (int f = 0; f < FIFOS; f++) {
            subscribe(f);
        }

        long started = System.nanoTime();
        long end = started + TimeUnit.SECONDS.toNanos(SECONDS);
        long nextReport = started + TimeUnit.SECONDS.toNanos(15);
        while (System.nanoTime() < end && (violations.isEmpty() || KEEP_GOING)) {
            reapWritersThatExited();
            killWritersDue();
            startWriters();
            feedWriters();
            resubscribeDue();
            peakDirectBytes = Math.max(peakDirectBytes, directPool.getMemoryUsed());
            if (System.nanoTime() > nextReport) {
                nextReport += TimeUnit.SECONDS.toNanos(15);
                System.out.printf("SoakTest: %d s: %d generations, %d complete lines, %d fragments, %d resubscribes%n",
                        TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - started), generations,
                        completeLines.get(), fragments.get(), resubscribes);
            }
            Thread.sleep(random.nextInt(4)); // pacing only
        }
        long ranMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);

        // the end: every writer killed (measured as during the run), then the live subscriptions
        // must get everything those writers wrote, to each one's end
        for (Gen g : new ArrayList<>(alive)) {
            stopAndKill(g);
        }
        reapWritersThatExited();
        awaitFinalDrain();
        for (Sub s : allSubs) {
            s.cancel();
        }
        for (int f = 0; f < FIFOS; f++) {
            awaitDescriptorClosed(f, "at the end");
            assertThat(descriptorsOn(pipes[f].path())).as("descriptors on fifo-%d at the end", f).isZero();
        }
        checkAgainstTheTruth();

        // leaks: checked before the summary, which prints their numbers, but reported after the
        // violations, which say more
        int pooled = Math.max(1, Math.min(10 * Runtime.getRuntime().availableProcessors(),
                (4 << 20) / ReadOptions.DEFAULT_READ_BUFFER_SIZE));
        AssertionError leak = null;
        try {
            assertReleased(baseline, directPool, directBytesBefore, directCountBefore, pooled);
        } catch (AssertionError e) {
            leak = e;
        }
        long directCountAfter = directPool.getCount();
        long directBytesAfter = directPool.getMemoryUsed();
        Map<String, Long> threadsAfter = threadCensus();

        List<String> counts = List.of(
                String.format("SoakTest: seed %d, ran %d ms (asked %d s), %d FIFOs, up to %d writer processes at once",
                        seed, ranMillis, SECONDS, FIFOS, MAX_WRITERS),
                String.format("SoakTest: writer generations %d (%d restarted on their FIFO at once or within 50 ms):"
                        + " killed -9 %d (mid-line %d, before their first write %d), exited by themselves %d, died of"
                        + " SIGPIPE %d", generations, restarted, killed, killedMidLine, killedWhileOpening,
                        exitedNormally, diedOfSigpipe),
                String.format("SoakTest: complete lines read %d, fragments read %d (glued to the next writer's bytes"
                        + " %d, longest reap-to-restart gap of those %s ms), tails of a line a cancelled subscription"
                        + " began %d", completeLines.get(), fragments.get(), gluedLines.get(),
                        maxGlueGapNanos.get() < 0 ? "-" : String.format("%.1f", maxGlueGapNanos.get() / 1e6),
                        junkLines.get()),
                String.format("SoakTest: subscriptions %d, resubscribes %d (%d after take() ended one),"
                        + " generations checked start to end exactly %d, violations %d", allSubs.size(), resubscribes,
                        takeEnded, exactlyChecked, violationCount.get()),
                String.format("SoakTest: after: %s; pipe descriptors %d (baseline %d), direct buffers %d / %d KiB"
                        + " (before %d / %d KiB, peak %d KiB, read pool up to %d x 64 KiB); threads %s (before %s)",
                        leak == null ? "no waiter, no thread in a FIFO call, no poller thread" : "LEAK",
                        openPipeDescriptors().size(), baseline.size(), directCountAfter, directBytesAfter >> 10,
                        directCountBefore, directBytesBefore >> 10, peakDirectBytes >> 10, pooled, threadsAfter,
                        threadsBefore));
        counts.forEach(System.out::println);

        assertThat(violations).as("violations (seed %d)", seed).isEmpty();
        if (leak != null) {
            throw leak;
        }
        // not vacuous: scaled for a run of at least 10 s (the 60 s run counts far more, see its output)
        int scale = Math.min(SECONDS, 10);
        assertThat(killedMidLine).as("writers killed mid-line").isGreaterThanOrEqualTo(10 * scale);
        assertThat(fragments.get()).as("fragments read").isGreaterThanOrEqualTo(10L * scale);
        assertThat(resubscribes).as("resubscribes").isGreaterThanOrEqualTo(5 * scale);
        assertThat(completeLines.get()).as("complete lines read").isGreaterThanOrEqualTo(10_000L * scale);
        assertThat(exactlyChecked).as("generations checked start to end").isGreaterThanOrEqualTo(10 * scale);

        assertAFreshSubscriptionDelivers();
        awaitReleased(baseline, WAIT);
    }

    @AfterEach
    void killEverything() throws Exception {
        for (Sub s : allSubs) {
            s.cancel();
        }
        for (Gen g : alive) {
            killQuietly(g.process);
        }
        ProcessHandle.current().descendants().forEach(ProcessHandle::destroyForcibly);
    }

    // ================================================================ writers

    /**
     * Restarts first (half of the FIFOs whose writer ended get the next one at once, or within 5
     * or 50 ms: the hang-up race), then writers on FIFOs picked at random.
     */
    private void startWriters() throws IOException {
        long now = System.nanoTime();
        for (java.util.Iterator<long[]> it = restarts.iterator(); it.hasNext(); ) {
            long[] r = it.next();
            if (now >= r[1] && writerOn[(int) r[0]] == null) {
                it.remove();
                startWriter((int) r[0]);
                restarted++;
            }
        }
        int attempts = 0;
        while (alive.size() + restarts.size() < MAX_WRITERS && attempts++ < 3) {
            int f = random.nextInt(FIFOS);
            if (writerOn[f] == null && restarts.stream().noneMatch(r -> r[0] == f)) {
                startWriter(f);
            }
        }
    }

    private void startWriter(int f) throws IOException {
        int g = nextGen[f]++;
        int padLength = random.nextInt(10) < 7 ? random.nextInt(60) : 60 + random.nextInt(2900);
        StringBuilder pad = new StringBuilder(padLength);
        for (int i = 0; i < padLength; i++) {
            pad.append((char) ('a' + random.nextInt(26)));
        }
        int burst = 1 + (random.nextBoolean() ? random.nextInt(5) : random.nextInt(100));
        int rate = RATES[random.nextInt(RATES.length)];
        long pauseNanos = Math.max(TimeUnit.MILLISECONDS.toNanos(2), TimeUnit.SECONDS.toNanos(burst) / rate);
        int pauseAt = random.nextInt(3);
        boolean exits = random.nextInt(100) < 15;
        int lines = exits ? random.nextInt(400) : -1;
        boolean tail = exits && random.nextBoolean();
        long lifeMillis = switch (random.nextInt(10)) {
            case 0, 1, 2 -> random.nextInt(100);
            case 3, 4, 5, 6 -> 100 + random.nextInt(900);
            default -> 1000 + random.nextInt(3000);
        };
        Gen gen = new Gen(f, g, pad.toString(), lines, tail);
        gens.put(key(f, g), gen);
        gensOf.get(f).add(gen);
        gen.startNanos = System.nanoTime(); // before the process exists: it cannot have opened the FIFO yet
        gen.process = writerProcess("sh", "-c", WRITER, "sh", pipes[f].path().toString(), Integer.toString(f),
                Integer.toString(g), gen.pad, Integer.toString(burst), Integer.toString(pauseAt),
                Integer.toString(lines), tail ? "1" : "0");
        gen.tokens = gen.process.getOutputStream();
        gen.pauseNanos = pauseNanos;
        gen.nextTokenNanos = System.nanoTime() + pauseNanos;
        gen.killAtNanos = gen.startNanos + TimeUnit.MILLISECONDS.toNanos(lifeMillis);
        writerOn[f] = gen;
        alive.add(gen);
        generations++;
    }

    /** stdin a pipe, for the pause tokens; stdout discarded (the script writes only to the FIFO) */
    private static Process writerProcess(String... command) throws IOException {
        return new ProcessBuilder(command)
                .redirectInput(ProcessBuilder.Redirect.PIPE)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .redirectError(ProcessBuilder.Redirect.INHERIT)
                .start();
    }

    /** Ends the pauses that are over, each a little longer or shorter than the writer's own. */
    private void feedWriters() {
        long now = System.nanoTime();
        for (Gen g : alive) {
            if (now >= g.nextTokenNanos && g.tokensSent < MAX_TOKENS) {
                g.nextTokenNanos = now + g.pauseNanos / 2 + (long) (random.nextDouble() * g.pauseNanos);
                g.tokensSent++;
                try {
                    g.tokens.write('\n');
                    g.tokens.flush();
                } catch (IOException exited) {
                    // it has just exited; reaped next round
                }
            }
        }
    }

    private void killWritersDue() throws Exception {
        long now = System.nanoTime();
        for (Gen g : new ArrayList<>(alive)) {
            if (now >= g.killAtNanos) {
                stopAndKill(g);
            }
        }
    }

    private void reapWritersThatExited() throws Exception {
        for (Gen g : new ArrayList<>(alive)) {
            if (!g.process.isAlive()) {
                ended(g, g.process.exitValue(), -1);
            }
        }
    }

    /** SIGSTOP, then the byte count from /proc/PID/io (stable while it is stopped), then SIGKILL. */
    private void stopAndKill(Gen g) throws Exception {
        Process p = g.process;
        long pid = p.pid();
        if (!p.isAlive()) {
            ended(g, p.exitValue(), -1);
            return;
        }
        POSIX_CALLS.kill((int) pid, Signal.SIGSTOP.intValue());
        long deadline = System.nanoTime() + WAIT.toNanos();
        String state;
        while (!"T".equals(state = processState(pid)) && !"Z".equals(state) && state != null && p.isAlive()) {
            if (System.nanoTime() > deadline) {
                violation("writer %s did not stop within %s (state %s)", g, WAIT, state);
                break;
            }
            Thread.onSpinWait();
        }
        long wchar = "T".equals(state) && p.isAlive() ? bytesWritten(pid) - launchBytes : -1;
        p.destroyForcibly();
        if (!p.waitFor(WAIT.toMillis(), TimeUnit.MILLISECONDS)) {
            violation("writer %s did not die within %s of SIGKILL", g, WAIT);
            ended(g, -1, -1);
            return;
        }
        ended(g, wchar >= 0 ? -9 : p.exitValue(), wchar);
    }

    /** @param how -9: killed by us with {@code wchar} bytes written; else the exit value */
    private void ended(Gen g, int how, long wchar) {
        g.endNanos = System.nanoTime(); // after the reaping: its descriptor was closed before this
        alive.remove(g);
        writerOn[g.fifo] = null;
        if (random.nextBoolean()) {
            long delay = switch (random.nextInt(3)) {
                case 0 -> 0;
                case 1 -> random.nextInt(5_000_000);
                default -> random.nextInt(50_000_000);
            };
            restarts.add(new long[] {g.fifo, g.endNanos + delay});
        }
        if (how == -9) {
            killed++;
            g.truth = Truth.fromBytes(g, wchar);
            if (g.truth == null) {
                violation("writer %s wrote %d bytes: not whole writes of its lines", g, wchar);
                g.truth = Truth.UNKNOWN;
            } else if (g.truth.fragmentLength > 0) {
                killedMidLine++;
            } else if (wchar == 0) {
                killedWhileOpening++; // or before its first write
            }
        } else if (how == 0) {
            exitedNormally++;
            g.truth = new Truth(true, g.lines, g.tail ? g.head(g.lines).length() : 0, "exited");
        } else if (how == 128 + 13) {
            diedOfSigpipe++;
            g.truth = Truth.UNKNOWN;
        } else {
            violation("writer %s exited with %d", g, how);
            g.truth = Truth.UNKNOWN;
        }
    }

    /**
     * The JDK's launch helper writes to its parent before it execs the command (JDK 17.0.15's
     * jspawnhelper: a 4-byte liveness ping), and /proc/PID/io counts that as the command's: a
     * writer's shell that writes nothing yet (it waits for a token first) shows how much.
     */
    private static long measureLaunchBytes() throws Exception {
        long bytes = -1;
        for (int i = 0; i < 3; i++) {
            Process p = writerProcess("sh", "-c", "read t");
            try {
                long b = bytesWritten(p.pid());
                assertThat(bytes).as("bytes a launched process has written before it runs").isIn(-1L, b);
                bytes = b;
            } finally {
                killQuietly(p);
            }
        }
        return bytes;
    }

    private static String processState(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
            String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            if (Long.parseLong(fields[1]) != ProcessHandle.current().pid()) {
                return null; // not our child (any more)
            }
            return fields[0];
        } catch (IOException | RuntimeException gone) {
            return null;
        }
    }

    private static long bytesWritten(long pid) throws IOException {
        for (String l : Files.readAllLines(Path.of("/proc/" + pid + "/io"))) {
            if (l.startsWith("wchar:")) {
                return Long.parseLong(l.substring(6).trim());
            }
        }
        throw new IOException("no wchar in /proc/" + pid + "/io");
    }

    private static void killQuietly(Process p) {
        p.descendants().forEach(ProcessHandle::destroyForcibly);
        p.destroyForcibly();
        try {
            p.waitFor(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    // ================================================================ readers

    private void subscribe(int f) throws Exception {
        Sub s = new Sub(++subIds, f);
        Flux<String> lines = pipes[f].lines(ReadOptions.defaults().follow(true))
                .doOnCancel(s::cancelling); // first: before the cancel reaches the FIFO's subscription
        int shape = random.nextInt(10);
        if (shape < 2) {
            s.take = true;
            lines = lines.take(1 + random.nextInt(random.nextBoolean() ? 50 : 20_000)); // cancels from onNext
        }
        if (random.nextInt(4) == 0) {
            lines = lines.limitRate(1 + random.nextInt(256)); // small requests: the reader runs out of demand
        }
        if (random.nextInt(4) == 0) {
            lines = lines.publishOn(Schedulers.parallel(), 1 + random.nextInt(64)); // an asynchronous consumer
        }
        // 200 FIFOs: a resubscription every 100 ms or so
        s.lifeNanos = TimeUnit.MILLISECONDS.toNanos(random.nextBoolean() ? 200 + random.nextInt(4000) : 5000 + random.nextInt(60_000));
        subOn[f] = s;
        allSubs.add(s);
        s.disposable = lines.subscribe(s::onLine, s::onError, s::onComplete);
        Path path = pipes[f].path();
        awaitCondition(() -> descriptorsOnQuickly(path) >= 1 || s.terminated, "the subscription of fifo-" + f + " opens it");
        s.openedNanos = System.nanoTime(); // after its descriptor was seen open
    }

    /** At most two per round, so that the writers' schedule does not wait for a wave of resubscriptions. */
    private void resubscribeDue() throws Exception {
        long now = System.nanoTime();
        int done = 0;
        for (int i = 0, f = random.nextInt(FIFOS); i < FIFOS && done < 2; i++, f = (f + 1) % FIFOS) {
            Sub s = subOn[f];
            boolean ended = s.terminated;
            if (ended || now - s.openedNanos > s.lifeNanos) {
                if (ended && s.take) {
                    takeEnded++;
                }
                s.cancel();
                awaitDescriptorClosed(f, "after a cancel");
                subscribe(f);
                resubscribes++;
                done++;
                if (!violations.isEmpty() && !KEEP_GOING) {
                    return;
                }
            }
        }
    }

    /** The FIFO's previous subscription is gone from /proc/self/fd and from the poller. */
    private void awaitDescriptorClosed(int f, String when) throws Exception {
        Path path = pipes[f].path();
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (descriptorsOnQuickly(path) != 0 || !waitersOn(path).isEmpty()) {
            if (System.nanoTime() > deadline) {
                violation("fifo-%d: %d descriptors and waiters %s still there %s after a cancel %s", f,
                        descriptorsOn(path), waitersOn(path), WAIT, when);
                return;
            }
            Thread.sleep(1);
        }
    }

    /**
     * The last writers are dead: each live subscription must get, to its exact end, every
     * generation it got a piece of and every one that started after it opened.
     */
    private void awaitFinalDrain() throws InterruptedException {
        long deadline = System.nanoTime() + FINAL_DRAIN.toNanos();
        List<String> missing;
        do {
            missing = new ArrayList<>();
            for (int f = 0; f < FIFOS && missing.size() < 20; f++) {
                Sub s = subOn[f];
                if (s.cancelNanos != Long.MAX_VALUE) {
                    continue; // a take() that ended meanwhile: checked as cancelled
                }
                for (Gen g : gensOf.get(f)) {
                    Run r = s.runOf(g);
                    if ((r != null || g.startNanos > s.openedNanos) && g.truth.known && !g.truth.matchesEnd(r)) {
                        missing.add(s + " has " + r + " of " + g + ", which wrote " + g.truth);
                    }
                }
            }
            if (missing.isEmpty()) {
                for (Sub s : subOn) {
                    s.finallyLive = s.cancelNanos == Long.MAX_VALUE;
                }
                return;
            }
            Thread.sleep(20);
        } while (System.nanoTime() < deadline);
        violation("%s after every writer was killed, live subscriptions still miss lines: %s", FINAL_DRAIN, missing);
    }

    // ================================================================ the check against the truth

    private void checkAgainstTheTruth() {
        for (Sub s : allSubs) {
            List<Run> runs = s.runs();
            for (int i = 0; i < runs.size(); i++) {
                Run r = runs.get(i);
                Gen g = r.gen;
                Truth t = g.truth;
                boolean startedInside = g.startNanos > s.openedNanos;
                if (startedInside && r.firstSeq != 0) {
                    violation("%s got %s of %s from line %d, but that writer started after it opened", s, r, g, r.firstSeq);
                }
                if (!t.known) {
                    continue;
                }
                if (r.lastComplete >= t.lines || (r.fragmentLength >= 0 && (r.fragmentSeq != t.lines
                        || r.fragmentLength != t.fragmentLength))) {
                    violation("%s got %s of %s, which wrote %s", s, r, g, t);
                }
                boolean throughTheEnd = i < runs.size() - 1 || r.fragmentLength >= 0 || s.finallyLive;
                if (throughTheEnd) {
                    if (!t.matchesEnd(r)) {
                        violation("%s read past the end of %s but got %s of it, which wrote %s", s, g, r, t);
                    } else if (startedInside) {
                        exactlyChecked++;
                    }
                }
            }
            int lastGen = runs.isEmpty() ? -1 : runs.get(runs.size() - 1).gen.gen;
            for (Gen g : gensOf.get(s.fifo)) {
                if (g.startNanos <= s.openedNanos || g.endNanos >= s.cancelNanos) {
                    continue; // not wholly inside the subscription's life
                }
                if (g.truth == Truth.UNKNOWN) {
                    violation("%s died of SIGPIPE while %s had the FIFO open", g, s);
                } else if (g.truth.known && s.runOf(g) == null && (g.gen < lastGen || s.finallyLive)) {
                    // the subscription read past it (or got all there was at the end), so it got all of it
                    if (!g.truth.isEmpty()) {
                        violation("%s got nothing of %s, which ran while it was open and wrote %s", s, g, g.truth);
                    } else {
                        exactlyChecked++; // wrote nothing, got nothing
                    }
                }
            }
        }
    }

    // ================================================================ leaks

    /**
     * No pipe descriptor beyond the baseline, no thread in a FIFO call, no waiter, no poller
     * thread, every boundedElastic worker free, no writer process, and direct buffers back to the
     * baseline plus what the read pool may keep ({@code pooled} buffers of 64 KiB, BufferPool's
     * bound) and a little for the JDK's own temporary buffers of file I/O.
     */
    private static void assertReleased(List<String> baseline, BufferPoolMXBean directPool, long directBytesBefore,
            long directCountBefore, int pooled) throws Exception {
        awaitReleased(baseline, WAIT);
        assertThat(baseline).as("pipe descriptors after the soak are the baseline's").containsAll(openPipeDescriptors());
        assertThat(dev.reactorfifo.internal.PollerProbe.registeredWaiters()).as("waiters registered after the soak").isEmpty();
        awaitCondition(() -> Thread.getAllStackTraces().keySet().stream()
                .noneMatch(t -> t.isAlive() && t.getName().startsWith("reactor-fifo-")), "the poller thread ends");
        assertBoundedElasticHasNoBusyWorker(WAIT);
        awaitCondition(() -> ProcessHandle.current().descendants().noneMatch(ProcessHandle::isAlive),
                "no writer process or child of one is left");
        long allowedBytes = directBytesBefore + (long) pooled * ReadOptions.DEFAULT_READ_BUFFER_SIZE + (256 << 10);
        long allowedCount = directCountBefore + pooled + 16;
        awaitCondition(() -> {
            System.gc(); // buffers the pool let go of are freed by their cleaners after a collection
            return directPool.getMemoryUsed() <= allowedBytes && directPool.getCount() <= allowedCount;
        }, () -> "direct buffers back to the baseline plus the read pool's " + pooled + " x 64 KiB (now "
                + directPool.getCount() + " / " + (directPool.getMemoryUsed() >> 10) + " KiB)");
    }

    // ================================================================ the fresh subscription

    private void assertAFreshSubscriptionDelivers() throws Exception {
        Path fifo = pipes[0].path();
        Peer writer = Peer.sh("printf 'fresh\\n' > " + shQuote(fifo.toString()));
        try {
            StepVerifier.create(NamedPipe.of(fifo).lines(ReadOptions.defaults().follow(true)))
                    .expectNext("fresh").thenCancel().verify(WAIT);
            assertThat(writer.awaitExit(WAIT)).isZero();
        } finally {
            writer.close();
        }
        writer = Peer.sh("printf 'fresh again\\nand a fragment' > " + shQuote(fifo.toString()));
        try {
            StepVerifier.create(NamedPipe.of(fifo).lines())
                    .expectNext("fresh again", "and a fragment").expectComplete().verify(WAIT);
            assertThat(writer.awaitExit(WAIT)).isZero();
        } finally {
            writer.close();
        }
    }

    // ================================================================ helpers

    private void violation(String format, Object... args) {
        violationCount.incrementAndGet();
        String v = String.format(format, args);
        if (violations.size() < 200) {
            violations.add(v);
        }
        if (violations.size() <= 5) {
            System.out.println("SoakTest: VIOLATION " + v);
        }
    }

    /**
     * {@link FifoTestSupport#descriptorsOn} without its look at what every other descriptor is:
     * the soak asks this twice per resubscription, with some 450 descriptors open.
     */
    private static long descriptorsOnQuickly(Path fifo) throws IOException {
        String target = fifo.toAbsolutePath().toString();
        String deleted = target + " (deleted)";
        long n = 0;
        try (java.util.stream.Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
            for (Path fd : (Iterable<Path>) fds::iterator) {
                try {
                    String t = Files.readSymbolicLink(fd).toString();
                    if (t.equals(target) || t.equals(deleted)) {
                        n++;
                    }
                } catch (IOException closedMeanwhile) {
                    // the listing's own descriptor, or one closed while listing
                }
            }
        }
        return n;
    }

    /** @return the live threads by name, numbers dropped: what is left is the schedulers' idle workers and the JDK's */
    private static Map<String, Long> threadCensus() {
        return Thread.getAllStackTraces().keySet().stream().filter(Thread::isAlive)
                .collect(java.util.stream.Collectors.groupingBy(t -> t.getName().replaceAll("[-#]?[0-9]+$", ""),
                        java.util.TreeMap::new, java.util.stream.Collectors.counting()));
    }

    private static long key(int fifo, int gen) {
        return ((long) fifo << 32) | gen;
    }

    private static BufferPoolMXBean directPool() {
        return ManagementFactory.getPlatformMXBeans(BufferPoolMXBean.class).stream()
                .filter(b -> b.getName().equals("direct")).findFirst().orElseThrow();
    }

    private interface Condition {
        boolean met() throws Exception;
    }

    private static void awaitCondition(Condition condition, String what) throws Exception {
        awaitCondition(condition, () -> what);
    }

    private static void awaitCondition(Condition condition, java.util.function.Supplier<String> what) throws Exception {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (!condition.met()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("not within " + WAIT + ": " + what.get());
            }
            Thread.sleep(1);
        }
    }

    /** One writer process's run on one FIFO. */
    static final class Gen {
        final int fifo;
        final int gen;
        final String pad;
        /** lines to write before exiting, -1: until killed */
        final int lines;
        final boolean tail;
        volatile long startNanos;
        volatile long endNanos = Long.MAX_VALUE;
        long killAtNanos;
        Process process;
        volatile Truth truth;
        /** its stdin: one byte ends a pause */
        java.io.OutputStream tokens;
        long pauseNanos;
        long nextTokenNanos;
        int tokensSent;
        /** the complete lines any subscription got (guarded by this) */
        private final BitSet received = new BitSet();

        Gen(int fifo, int gen, String pad, int lines, boolean tail) {
            this.fifo = fifo;
            this.gen = gen;
            this.pad = pad;
            this.lines = lines;
            this.tail = tail;
        }

        String head(int seq) {
            return "<" + fifo + "." + gen + "." + seq + ".";
        }

        /** @return whether a subscription got line {@code seq} before */
        synchronized boolean receivedBefore(int seq) {
            boolean before = received.get(seq);
            received.set(seq);
            return before;
        }

        @Override
        public String toString() {
            return "writer " + fifo + "." + gen + " (pad " + pad.length() + ", " + (lines < 0 ? "until killed" : lines + " lines")
                    + ")";
        }
    }

    /** What a writer generation wrote: complete lines, then a fragment of that many bytes (0: none). */
    static final class Truth {
        static final Truth UNKNOWN = new Truth(false, -1, -1, "died of SIGPIPE");
        final boolean known;
        final int lines;
        final int fragmentLength;
        final String how;

        Truth(boolean known, int lines, int fragmentLength, String how) {
            this.known = known;
            this.lines = lines;
            this.fragmentLength = fragmentLength;
            this.how = how;
        }

        /** @return what {@code bytes} bytes of {@code g}'s output are, or null if they are not whole writes */
        static Truth fromBytes(Gen g, long bytes) {
            long left = bytes;
            int seq = 0;
            for (;;) {
                int head = g.head(seq).length();
                int line = head + g.pad.length() + 2;
                if (left >= line) {
                    left -= line;
                    seq++;
                    continue;
                }
                if (left == 0 || left == head || left == head + g.pad.length()) {
                    return new Truth(true, seq, (int) left, "killed");
                }
                return null;
            }
        }

        boolean isEmpty() {
            return lines == 0 && fragmentLength == 0;
        }

        /** @return whether {@code r} (null: nothing) holds this generation to its end, from wherever it began */
        boolean matchesEnd(Run r) {
            if (r == null) {
                return isEmpty();
            }
            return r.lastComplete == lines - 1
                    && (fragmentLength == 0 ? r.fragmentLength < 0 : r.fragmentLength == fragmentLength);
        }

        @Override
        public String toString() {
            return known ? lines + " complete lines and a fragment of " + fragmentLength + " bytes (" + how + ")" : how;
        }
    }

    /** What one subscription got of one generation: consecutive lines, then maybe its fragment. */
    static final class Run {
        final Gen gen;
        final int firstSeq;
        int lastComplete;
        int fragmentSeq = -1;
        int fragmentLength = -1;

        Run(Gen gen, int firstSeq) {
            this.gen = gen;
            this.firstSeq = firstSeq;
            this.lastComplete = firstSeq - 1;
        }

        @Override
        public String toString() {
            return "lines " + firstSeq + ".." + lastComplete
                    + (fragmentLength >= 0 ? " and fragment " + fragmentSeq + " of " + fragmentLength + " bytes" : "");
        }
    }

    /** One follow-mode subscription, checking its lines as they arrive (serially, by Reactive Streams' rules). */
    final class Sub {
        final int id;
        final int fifo;
        boolean take;
        long lifeNanos;
        Disposable disposable;
        volatile long openedNanos = Long.MAX_VALUE;
        /** when its cancel began (driver's dispose or take()'s), before the descriptor closes */
        volatile long cancelNanos = Long.MAX_VALUE;
        volatile boolean terminated;
        /** still subscribed when the last writers were killed, and got all they wrote */
        volatile boolean finallyLive;
        // guarded by this
        private final List<Run> runs = new ArrayList<>();
        private final Map<Integer, Run> byGen = new java.util.HashMap<>();
        private int lineCount;
        private String previousLine = "";

        Sub(int id, int fifo) {
            this.id = id;
            this.fifo = fifo;
        }

        void cancelling() {
            if (cancelNanos == Long.MAX_VALUE) {
                cancelNanos = System.nanoTime();
            }
        }

        void cancel() {
            cancelling();
            disposable.dispose();
        }

        synchronized List<Run> runs() {
            return new ArrayList<>(runs);
        }

        synchronized Run runOf(Gen g) {
            return byGen.get(g.gen);
        }

        synchronized void onLine(String line) {
            int n = line.length();
            int i = 0;
            if (n == 0 || line.charAt(0) != '<') {
                int first = line.indexOf('<');
                i = first < 0 ? n : first;
                if (lineCount != 0 && splitLine(line.substring(0, i))) {
                    // reported; the line counts as whole from here on, so that one split is one violation
                } else if (lineCount != 0 || !line.substring(0, i).matches("[0-9a-z.>]*")) {
                    violation("%s line %d is no writer's: '%s'", this, lineCount + 1, abbreviate(line));
                    return;
                } else {
                    junkLines.incrementAndGet();
                }
            }
            lineCount++;
            previousLine = line;
            int pieces = 0;
            Gen gluedAfter = null;
            while (i < n) {
                int next = line.indexOf('<', i + 1);
                if (next < 0) {
                    next = n;
                }
                Gen before = piece(line, i, next, next == n);
                if (before == null) {
                    return;
                }
                if (pieces == 0) {
                    gluedAfter = before;
                } else if (pieces == 1) {
                    gluedLines.incrementAndGet();
                    long gap = before.startNanos - gluedAfter.endNanos;
                    maxGlueGapNanos.accumulateAndGet(gap, Math::max);
                }
                pieces++;
                i = next;
            }
        }

        /**
         * Whether {@code rest} is what the fragment just received lacks to be its line: then the
         * reader reported an EOF inside a complete line (not a tolerated outcome: the README's
         * follow mode emits a fragment at its writer's EOF, never a complete line in two). That is
         * reported once, with the timing of the writer before, and the line counted as whole.
         */
        private boolean splitLine(String rest) {
            Run run = runs.isEmpty() ? null : runs.get(runs.size() - 1);
            if (run == null || run.fragmentLength < 0) {
                return false;
            }
            Gen g = run.gen;
            String whole = g.head(run.fragmentSeq) + g.pad + ">";
            if (run.fragmentLength + rest.length() != whole.length() || !whole.endsWith(rest)) {
                return false;
            }
            Run before = runs.size() > 1 ? runs.get(runs.size() - 2) : null;
            violation("%s lines %d and %d: line %d of %s, a complete line, came in two: '%s' (emitted as a"
                    + " fragment is, at an EOF) and '%s'; before it this subscription got %s", this, lineCount,
                    lineCount + 1, run.fragmentSeq, g, abbreviate(previousLine), rest, before == null ? "nothing"
                    : String.format("%s of %s, which was reaped %.1f ms before this writer started", before,
                            before.gen, (g.startNanos - before.gen.endNanos) / 1e6));
            run.lastComplete = run.fragmentSeq;
            run.fragmentSeq = -1;
            run.fragmentLength = -1;
            completeLines.incrementAndGet();
            fragments.decrementAndGet();
            g.receivedBefore(run.lastComplete);
            return true;
        }

        /** Checks one piece {@code line[from, to)} that starts with '<'; @return its generation, or null after a violation */
        private Gen piece(String line, int from, int to, boolean endsTheLine) {
            int[] at = {from + 1};
            int f = number(line, at, to);
            int g = f < 0 ? -1 : number(line, at, to);
            int seq = g < 0 ? -1 : number(line, at, to);
            Gen gen = seq < 0 ? null : gens.get(key(f, g));
            if (gen == null || f != fifo) {
                violation("%s line %d holds no line of this FIFO's writers: '%s'", this, lineCount, abbreviate(line));
                return null;
            }
            int rest = at[0];
            String pad = gen.pad;
            boolean complete = to - rest == pad.length() + 1 && line.startsWith(pad, rest) && line.charAt(to - 1) == '>';
            boolean fragment = !complete && (to == rest || (to - rest == pad.length() && line.startsWith(pad, rest)));
            if (!complete && !fragment) {
                violation("%s line %d is a corrupt line of %s: '%s'", this, lineCount, gen, abbreviate(line));
                return null;
            }
            if (complete && !endsTheLine) {
                violation("%s line %d: a complete line of %s without its terminator: '%s'", this, lineCount, gen,
                        abbreviate(line));
                return null;
            }
            Run run = runs.isEmpty() ? null : runs.get(runs.size() - 1);
            if (run == null || run.gen != gen) {
                if (run != null && run.gen.gen > gen.gen || byGen.containsKey(gen.gen)) {
                    violation("%s line %d: %s after %s (%s)", this, lineCount, gen, run.gen, abbreviate(line));
                    return null;
                }
                run = new Run(gen, seq);
                runs.add(run);
                byGen.put(gen.gen, run);
            } else if (run.fragmentLength >= 0 || seq != run.lastComplete + 1) {
                violation("%s line %d: line %d of %s after its %s (%s)", this, lineCount, seq, gen, run,
                        abbreviate(line));
                return null;
            }
            if (complete) {
                run.lastComplete = seq;
                completeLines.incrementAndGet();
                if (gen.receivedBefore(seq)) {
                    violation("%s line %d: line %d of %s reached another subscription too", this, lineCount, seq, gen);
                    return null;
                }
            } else {
                run.fragmentSeq = seq;
                run.fragmentLength = to - from;
                fragments.incrementAndGet();
            }
            return gen;
        }

        /** @return the decimal number at {@code at[0]} up to a '.', moving past the '.'; -1 if there is none */
        private int number(String line, int[] at, int to) {
            int value = 0;
            int i = at[0];
            int start = i;
            while (i < to && i - start < 9 && Character.isDigit(line.charAt(i))) {
                value = value * 10 + (line.charAt(i++) - '0');
            }
            if (i == start || i >= to || line.charAt(i) != '.') {
                return -1;
            }
            at[0] = i + 1;
            return value;
        }

        void onError(Throwable error) {
            terminated = true;
            violation("%s failed: %s", this, error);
        }

        void onComplete() {
            terminated = true;
            if (!take) {
                violation("%s completed, in follow mode", this);
            }
        }

        @Override
        public String toString() {
            return "subscription " + id + " of fifo-" + fifo;
        }
    }

    private static String abbreviate(String line) {
        return line.length() <= 200 ? line : line.substring(0, 100) + "..." + line.substring(line.length() - 100);
    }
}
