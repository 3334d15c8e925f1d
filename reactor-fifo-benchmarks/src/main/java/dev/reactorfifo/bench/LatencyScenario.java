package dev.reactorfifo.bench;

import dev.reactorfifo.FifoSink;
import dev.reactorfifo.NamedPipe;
import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.FileInputStream;
import java.io.FileOutputStream;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.reactivestreams.Subscription;
import reactor.core.publisher.BaseSubscriber;
import reactor.core.publisher.Sinks;

/**
 * Scenario 3: ping-pong over two FIFOs between two child JVMs, one ~30-byte line at a time. One
 * way = round trip / 2. The plain pair is a blocking {@code BufferedReader}/{@code BufferedWriter}
 * loop on each side; the reactor-fifo pair is {@code lines()} + {@code FifoSink} on each side,
 * the ping sending the next line from the {@code onNext} of the previous answer. The ping also
 * counts the context switches of both JVMs (all threads) over the measured round trips.
 */
final class LatencyScenario {

    /** 29 characters + {@code \n}. */
    static final String PAYLOAD = "ping-0123456789-abcdefghijklm";

    private LatencyScenario() {
    }

    static void run(Context ctx, Report report) throws Exception {
        int firstWarm = ctx.quick ? 5_000 : 20_000;
        int warm = 2_000;
        int measured = 10_000;
        int runs = ctx.quick ? ctx.rounds : Math.max(ctx.rounds, 5);
        report.section("3. Latency (ping-pong)");
        report.paragraph("Two child JVMs per pair, two FIFOs, one " + (PAYLOAD.length() + 1) + "-byte line at a time; "
                + "one-way = round trip / 2. Both pairs stay up for the whole scenario and take turns: " + runs
                + " runs each, the plain pair and the reactor-fifo pair alternating, each run " + measured
                + " measured round trips after " + warm + " unmeasured ones (" + firstWarm + " before the first run). "
                + "Ratios pair each reactor-fifo run with the plain run just before it. Context switches per round "
                + "trip: the sum of `voluntary_ctxt_switches` + `nonvoluntary_ctxt_switches` over every thread of both "
                + "JVMs of the pair (`/proc/PID/task/*/status`), read by the ping right before the first and right "
                + "after the last measured round trip, divided by the round trips; it does not depend on how fast "
                + "the host wakes a thread, only on how many threads take part in a message.");
        String[] pairs = {"plain", "rf"};
        List<long[]> results = new ArrayList<>(); // per run: {pair index, p50, p99, p999, context switches}
        List<ChildJvm> jvms = new ArrayList<>();
        try {
            ChildJvm[] pings = new ChildJvm[pairs.length];
            long[] pongPids = new long[pairs.length];
            for (int p = 0; p < pairs.length; p++) {
                Path a = ctx.newFifo("ping");
                Path b = ctx.newFifo("pong");
                ChildJvm pong = ctx.child("pong-" + pairs[p], List.of("-Xmx256m"), "pong", pairs[p], a.toString(), b.toString());
                jvms.add(pong);
                pongPids[p] = pong.pid();
                pings[p] = ctx.child("ping-" + pairs[p], List.of("-Xmx256m"), "ping", pairs[p], a.toString(), b.toString());
                jvms.add(pings[p]);
                pings[p].send("run " + firstWarm + " 1 " + pongPids[p]); // connect and warm up
                pings[p].receiveOk(120_000);
            }
            for (int r = 0; r < runs; r++) {
                for (int p = 0; p < pairs.length; p++) {
                    pings[p].send("run " + warm + " " + measured + " " + pongPids[p]);
                    String[] w = pings[p].receiveOk(120_000);
                    results.add(new long[] {p, Long.parseLong(w[0]), Long.parseLong(w[1]), Long.parseLong(w[2]), Long.parseLong(w[3])});
                }
                System.out.printf("   latency: run %d/%d done%n", r + 1, runs);
            }
            for (ChildJvm ping : pings) {
                ping.close(); // its EOF ends the pong
            }
            for (ChildJvm j : jvms) {
                if (j.waitFor(10_000) != 0) {
                    throw new IllegalStateException("a ping-pong JVM did not finish cleanly" + j.logTail());
                }
            }
        } finally {
            jvms.forEach(ChildJvm::close);
        }
        Table t = new Table("pair", "one-way p50 µs", "p99 µs", "p99.9 µs", "context switches per round trip",
                "p50 x plain, paired", "p99 x plain, paired", "ctx switches x plain, paired");
        String[] labels = {"plain blocking Java (`BufferedReader`/`BufferedWriter`)", "reactor-fifo (`lines()` + `FifoSink`)"};
        double[][] p50Ratio = new double[pairs.length][runs];
        double[][] p99Ratio = new double[pairs.length][runs];
        double[][] ctxRatio = new double[pairs.length][runs];
        for (int i = 0; i < runs; i++) {
            long[] plain = results.get(pairs.length * i);
            for (int p = 1; p < pairs.length; p++) {
                long[] rf = results.get(pairs.length * i + p);
                p50Ratio[p][i] = (double) rf[1] / plain[1];
                p99Ratio[p][i] = (double) rf[2] / plain[2];
                ctxRatio[p][i] = (double) rf[4] / plain[4];
            }
        }
        for (int p = 0; p < pairs.length; p++) {
            final int pair = p;
            double[][] cols = new double[3][];
            for (int c = 0; c < 3; c++) {
                final int col = c + 1;
                cols[c] = results.stream().filter(x -> x[0] == pair).mapToDouble(x -> x[col]).toArray();
            }
            double[] ctxPerRt = results.stream().filter(x -> x[0] == pair).mapToDouble(x -> (double) x[4] / measured).toArray();
            t.row(labels[p], Stats.microsRange(cols[0]), Stats.microsRange(cols[1]), Stats.microsRange(cols[2]),
                    Stats.range(ctxPerRt, "%.2f"), p == 0 ? "1" : Stats.ratio(p50Ratio[p]), p == 0 ? "1" : Stats.ratio(p99Ratio[p]),
                    p == 0 ? "1" : Stats.ratio(ctxRatio[p]));
        }
        report.table(t);
        double x = Stats.median(p50Ratio[1]);
        report.verdict("latency", "reactor-fifo one-way p50 <= 1.5x plain", Stats.fmt("%.2fx", x), x <= 1.5);
        double x99 = Stats.median(p99Ratio[1]);
        report.verdict("latency", "reactor-fifo one-way p99 <= 2x plain", Stats.fmt("%.2fx", x99), x99 <= 2.0);
        double xCtx = Stats.median(ctxRatio[1]);
        double[] rfCtx = results.stream().filter(r -> r[0] == 1).mapToDouble(r -> (double) r[4] / measured).toArray();
        double[] plainCtx = results.stream().filter(r -> r[0] == 0).mapToDouble(r -> (double) r[4] / measured).toArray();
        report.verdict("latency", "reactor-fifo context switches per round trip <= 1.1x plain",
                Stats.fmt("%.2fx", xCtx) + " (" + Stats.fmt("%.2f", Stats.median(rfCtx)) + " vs " + Stats.fmt("%.2f", Stats.median(plainCtx))
                        + " per round trip)", xCtx <= 1.1);
        report.endVerdicts();
    }

    // ---- child side ----------------------------------------------------------------------------

    /** pong MODE A B: echoes every line read from A into B until A's EOF. */
    static void pong(String[] args) throws Exception {
        Path a = Path.of(args[1]);
        Path b = Path.of(args[2]);
        if (args[0].equals("plain")) {
            try (BufferedReader in = new BufferedReader(new InputStreamReader(new FileInputStream(a.toFile()), StandardCharsets.UTF_8));
                    BufferedWriter out = new BufferedWriter(new OutputStreamWriter(new FileOutputStream(b.toFile()), StandardCharsets.UTF_8))) {
                String line;
                while ((line = in.readLine()) != null) {
                    out.write(line);
                    out.write('\n');
                    out.flush();
                }
            }
        } else {
            FifoSink out = NamedPipe.of(b).sink();
            NamedPipe.of(a).lines().doOnNext(line -> {
                Sinks.EmitResult r = out.tryEmitNext(line);
                if (r != Sinks.EmitResult.OK) {
                    throw new IllegalStateException("pong tryEmitNext: " + r);
                }
            }).then().block();
            out.tryEmitComplete();
            out.done().block();
        }
    }

    /**
     * ping MODE A B: sends into A and reads the echo from B. For each command {@code run WARM N}
     * makes WARM unmeasured and N measured round trips and answers {@code ok p50 p99 p999}, one-way
     * in ns; at the end of its stdin closes A, which ends the pong.
     */
    static void ping(String[] args, BufferedReader commands) throws Exception {
        Path a = Path.of(args[1]);
        Path b = Path.of(args[2]);
        if (args[0].equals("plain")) {
            try (BufferedWriter out = new BufferedWriter(new OutputStreamWriter(new FileOutputStream(a.toFile()), StandardCharsets.UTF_8));
                    BufferedReader in = new BufferedReader(new InputStreamReader(new FileInputStream(b.toFile()), StandardCharsets.UTF_8))) {
                String command;
                while ((command = commands.readLine()) != null) {
                    String[] w = command.split(" ");
                    int warm = Integer.parseInt(w[1]);
                    long[] oneWay = new long[Integer.parseInt(w[2])];
                    long pongPid = Long.parseLong(w[3]);
                    long ctxBefore = 0;
                    for (int i = 0; i < warm + oneWay.length; i++) {
                        if (i == warm) {
                            ctxBefore = contextSwitches(pongPid);
                        }
                        long t0 = System.nanoTime();
                        out.write(PAYLOAD);
                        out.write('\n');
                        out.flush();
                        String echo = in.readLine();
                        long rtt = System.nanoTime() - t0;
                        if (echo == null || echo.length() != PAYLOAD.length()) {
                            throw new IllegalStateException("bad echo " + echo);
                        }
                        if (i >= warm) {
                            oneWay[i - warm] = rtt / 2;
                        }
                    }
                    answer(oneWay, contextSwitches(pongPid) - ctxBefore);
                }
            }
            return;
        }
        FifoSink out = NamedPipe.of(a).sink();
        Echoes echoes = new Echoes(out);
        NamedPipe.of(b).lines().subscribe(echoes);
        String command;
        while ((command = commands.readLine()) != null) {
            String[] w = command.split(" ");
            long[] oneWay = echoes.run(Integer.parseInt(w[1]), Integer.parseInt(w[2]), Long.parseLong(w[3]));
            answer(oneWay, echoes.ctxAfter - echoes.ctxBefore);
        }
        out.tryEmitComplete();
        out.done().block();
        echoes.finished.await(30, TimeUnit.SECONDS);
    }

    private static void answer(long[] oneWay, long contextSwitches) {
        Arrays.sort(oneWay);
        Child.answer("ok " + Stats.percentile(oneWay, 50) + " " + Stats.percentile(oneWay, 99) + " "
                + Stats.percentile(oneWay, 99.9) + " " + contextSwitches);
    }

    /** Context switches of every thread of this JVM and of the pong's (see {@link ProcFs#contextSwitches}). */
    static long contextSwitches(long pongPid) {
        return ProcFs.contextSwitches(ProcessHandle.current().pid()) + ProcFs.contextSwitches(pongPid);
    }

    /** The reactor-fifo ping: sends the next line from the onNext of the previous echo. */
    static final class Echoes extends BaseSubscriber<String> {
        private final FifoSink out;
        final CountDownLatch finished = new CountDownLatch(1);
        private volatile long sentAt;
        private int received;
        private int warm;
        private long[] oneWay;
        private volatile CountDownLatch runDone;
        private volatile Throwable failure;
        private long pongPid;
        volatile long ctxBefore;
        volatile long ctxAfter;

        Echoes(FifoSink out) {
            this.out = out;
        }

        long[] run(int warm, int n, long pongPid) throws InterruptedException {
            this.warm = warm;
            this.oneWay = new long[n];
            this.received = 0;
            this.pongPid = pongPid;
            CountDownLatch done = new CountDownLatch(1);
            runDone = done;
            if (warm == 0) {
                ctxBefore = contextSwitches(pongPid);
            }
            send();
            if (!done.await(120, TimeUnit.SECONDS)) {
                throw new IllegalStateException("ping-pong run did not finish");
            }
            if (failure != null) {
                throw new IllegalStateException(failure);
            }
            return oneWay;
        }

        @Override
        protected void hookOnSubscribe(Subscription s) {
            s.request(Long.MAX_VALUE);
        }

        private void send() {
            sentAt = System.nanoTime();
            Sinks.EmitResult r = out.tryEmitNext(PAYLOAD);
            // the first line of a run is sent by the harness thread, the others by the reader's; the
            // echo of that first line can arrive while its tryEmitNext is still returning (the line
            // was written by the calling thread), and a sink answers an overlapping emit so
            while (r == Sinks.EmitResult.FAIL_NON_SERIALIZED) {
                Thread.onSpinWait();
                r = out.tryEmitNext(PAYLOAD);
            }
            if (r != Sinks.EmitResult.OK) {
                throw new IllegalStateException("ping tryEmitNext: " + r);
            }
        }

        @Override
        protected void hookOnNext(String echo) {
            long rtt = System.nanoTime() - sentAt;
            if (echo.length() != PAYLOAD.length()) {
                throw new IllegalStateException("bad echo " + echo);
            }
            if (received >= warm) {
                oneWay[received - warm] = rtt / 2;
            }
            received++;
            if (received == warm) {
                ctxBefore = contextSwitches(pongPid); // before the first measured line is sent
            }
            if (received < warm + oneWay.length) {
                send();
            } else {
                ctxAfter = contextSwitches(pongPid);
                runDone.countDown();
            }
        }

        @Override
        protected void hookOnError(Throwable t) {
            failure = t;
            CountDownLatch d = runDone;
            if (d != null) {
                d.countDown();
            }
        }

        @Override
        protected void hookFinally(reactor.core.publisher.SignalType type) {
            finished.countDown();
        }
    }
}
