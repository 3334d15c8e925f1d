package dev.reactorfifo.bench;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * The benchmark harness: {@code java -jar reactor-fifo-benchmarks.jar [--quick] [--scenario=a,b]
 * [--out=DIR] [--rounds=N] [--warmups=N] [--size-mb=N] [--write-size-mb=N] [--publish[=REPO_ROOT]]}.
 *
 * <p>Scenarios: framer (JMH, in memory), read, write, latency, memory, cancel, concurrency (up to 10,000
 * FIFOs), idle (memory of idle readers and writers), vthreads (JDK 21+ virtual threads), bytes
 * ({@code bytes()}, {@code writeBytes}, an exact delimiter, and a slow {@code bytes()} subscriber's
 * memory); all by default. concurrency, idle and vthreads need gcc (their FIFO far ends are a small C program
 * compiled at run time) and Linux's /proc. It prints Markdown tables and writes {@code results.md} and
 * {@code benchmarks-throughput.svg} into the output folder ({@code target/results} beside the
 * jar by default). {@code --publish} also replaces the results section of {@code BENCHMARKS.md}
 * and writes the chart to {@code docs/benchmarks-throughput.svg} under the repository root.
 */
public final class BenchmarkMain {

    static final List<String> ALL = List.of("framer", "read", "write", "latency", "memory", "cancel", "concurrency",
            "idle", "vthreads", "bytes");
    static final String BEGIN = "<!-- results:begin (written by reactor-fifo-benchmarks --publish) -->";
    static final String END = "<!-- results:end -->";

    private BenchmarkMain() {
    }

    public static void main(String[] args) throws Exception {
        boolean quick = false;
        Set<String> scenarios = new LinkedHashSet<>(ALL);
        Path out = defaultOut();
        Integer rounds = null;
        Integer warmups = null;
        Long sizeMb = null;
        Long writeSizeMb = null;
        Path publish = null;
        for (String a : args) {
            if (a.equals("--quick")) {
                quick = true;
            } else if (a.startsWith("--scenario=")) {
                scenarios = new LinkedHashSet<>(Arrays.asList(a.substring(11).split(",")));
                for (String s : scenarios) {
                    if (!ALL.contains(s)) {
                        usage("unknown scenario " + s);
                    }
                }
            } else if (a.startsWith("--out=")) {
                out = Path.of(a.substring(6));
            } else if (a.startsWith("--rounds=")) {
                rounds = Integer.parseInt(a.substring(9));
            } else if (a.startsWith("--warmups=")) {
                warmups = Integer.parseInt(a.substring(10));
            } else if (a.startsWith("--size-mb=")) {
                sizeMb = Long.parseLong(a.substring(10));
            } else if (a.startsWith("--write-size-mb=")) {
                writeSizeMb = Long.parseLong(a.substring(16));
            } else if (a.equals("--publish")) {
                publish = Path.of("");
            } else if (a.startsWith("--publish=")) {
                publish = Path.of(a.substring(10));
            } else {
                usage("unknown argument " + a);
            }
        }
        long dataBytes = (sizeMb != null ? sizeMb : quick ? 20 : 200) * 1_000_000L;
        long writeBytes = (writeSizeMb != null ? writeSizeMb : quick ? 20 : 50) * 1_000_000L;
        int r = rounds != null ? rounds : quick ? 3 : 5;
        int w = warmups != null ? warmups : quick ? 2 : 6;
        List<String> ordered = new ArrayList<>(ALL);
        ordered.retainAll(scenarios);

        String machine = Machine.describe();
        System.out.println(machine);
        long start = System.nanoTime();
        Report report = new Report();
        try (Context ctx = new Context(quick, dataBytes, writeBytes, r, w, out)) {
            for (String s : ordered) {
                long t0 = System.nanoTime();
                switch (s) {
                    case "framer":
                        FramerScenario.run(ctx, report);
                        break;
                    case "read":
                        ReadScenario.run(ctx, report);
                        break;
                    case "write":
                        WriteScenario.run(ctx, report);
                        break;
                    case "latency":
                        LatencyScenario.run(ctx, report);
                        break;
                    case "memory":
                        MemoryScenario.run(ctx, report);
                        break;
                    case "cancel":
                        CancelScenario.run(ctx, report);
                        break;
                    case "concurrency":
                        ConcurrencyScenario.run(ctx, report);
                        break;
                    case "idle":
                        IdleScenario.run(ctx, report);
                        break;
                    case "vthreads":
                        VirtualThreadScenario.run(ctx, report);
                        break;
                    case "bytes":
                        BytesScenario.run(ctx, report);
                        break;
                    default:
                        throw new AssertionError(s);
                }
                System.out.printf("   (%s took %.0f s)%n", s, (System.nanoTime() - t0) / 1e9);
            }
        }
        long seconds = Math.round((System.nanoTime() - start) / 1e9);
        String settings = "Mode: " + (quick ? "quick" : "full") + "; scenarios: " + String.join(", ", ordered)
                + "; " + dataBytes / 1_000_000 + " MB per read and " + writeBytes / 1_000_000 + " MB per write transfer; " + r + " measured rounds, " + w
                + " warm-up transfers per JVM contender; harness wall time " + seconds / 60 + " min " + seconds % 60
                + " s; finished " + Instant.now().truncatedTo(ChronoUnit.SECONDS) + "."
                + (quick ? " **Quick mode is a smoke run**: small transfers and little warm-up leave the JIT cold, so "
                + "its figures and verdicts say nothing about the bars." : "");
        String md = report.toMarkdown(machine, settings);
        Files.createDirectories(out);
        Files.writeString(out.resolve("results.md"), md, StandardCharsets.UTF_8);
        String svg = report.chart.isEmpty() ? null : SvgChart.render(report.chart, Machine.shortLine() + "; " + (quick ? "quick" : "full") + " mode");
        if (svg != null) {
            Files.writeString(out.resolve("benchmarks-throughput.svg"), svg, StandardCharsets.UTF_8);
        }
        System.out.println("\n" + settings);
        System.out.println("Wrote " + out.resolve("results.md") + (svg != null ? " and " + out.resolve("benchmarks-throughput.svg") : ""));
        if (publish != null) {
            publish(publish, md, svg);
        }
    }

    private static void publish(Path root, String md, String svg) throws Exception {
        Path doc = root.resolve("BENCHMARKS.md");
        String text = Files.readString(doc, StandardCharsets.UTF_8);
        int b = text.indexOf(BEGIN);
        int e = text.indexOf(END);
        if (b < 0 || e < b) {
            throw new IllegalStateException(doc + " has no '" + BEGIN + "' ... '" + END + "' section to replace");
        }
        String updated = text.substring(0, b + BEGIN.length()) + "\n\n" + md.trim() + "\n\n" + text.substring(e);
        Files.writeString(doc, updated, StandardCharsets.UTF_8);
        if (svg != null) {
            Path chart = root.resolve("docs").resolve("benchmarks-throughput.svg");
            Files.createDirectories(chart.getParent());
            Files.writeString(chart, svg, StandardCharsets.UTF_8);
        }
        System.out.println("Published into " + doc.toAbsolutePath() + (svg != null ? " and docs/benchmarks-throughput.svg" : ""));
    }

    private static Path defaultOut() {
        try {
            Path jar = Path.of(BenchmarkMain.class.getProtectionDomain().getCodeSource().getLocation().toURI());
            return jar.getParent().resolve("results");
        } catch (Exception e) {
            return Path.of("benchmark-results");
        }
    }

    private static void usage(String problem) {
        System.err.println(problem);
        System.err.println("usage: java -jar reactor-fifo-benchmarks.jar [--quick] [--scenario=" + String.join(",", ALL)
                + "] [--out=DIR] [--rounds=N] [--warmups=N] [--size-mb=N] [--write-size-mb=N] [--publish[=REPO_ROOT]]");
        System.exit(2);
    }
}
