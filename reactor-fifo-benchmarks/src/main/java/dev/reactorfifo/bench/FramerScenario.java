package dev.reactorfifo.bench;

import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.Map;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.options.Options;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;
import org.openjdk.jmh.runner.options.VerboseMode;

/** Scenario 0 (in memory, JMH): the line framer against {@code BufferedReader} over the same bytes. */
final class FramerScenario {

    private FramerScenario() {
    }

    static void run(Context ctx, Report report) throws Exception {
        int warmups = ctx.quick ? 2 : 3;
        int iterations = ctx.quick ? 3 : 4;
        String time = ctx.quick ? "500ms" : "1s";
        report.section("0. Line framing in memory (JMH)");
        report.paragraph("JMH 1.37, 1 fork (`-Xmx1g`), " + warmups + " warm-up and " + iterations + " measured iterations of "
                + time + "; one operation = framing a " + FramerBenchmark.BYTES / (1 << 20) + " MiB buffer; MB/s from "
                + "JMH's ops/s (error = JMH's 99.9% half-interval). `lineFramer` is what `lines()` runs per "
                + "64 KiB read (terminator scan + `new String`); `terminatorScanOnly` is the SWAR scan alone.");
        Options opts = new OptionsBuilder()
                .include(FramerBenchmark.class.getName())
                .forks(1)
                .jvmArgs("-Xmx1g")
                .warmupIterations(warmups)
                .measurementIterations(iterations)
                .warmupTime(TimeValue.fromString(time))
                .measurementTime(TimeValue.fromString(time))
                .verbosity(VerboseMode.SILENT)
                .build();
        Collection<RunResult> results = new Runner(opts).run();
        Map<String, double[]> scores = new LinkedHashMap<>(); // "method|lineBytes" -> {MB/s, error MB/s}
        for (RunResult r : results) {
            String method = r.getParams().getBenchmark().replaceAll(".*\\.", "");
            String len = r.getParams().getParam("lineBytes");
            double mb = FramerBenchmark.BYTES / 1e6;
            scores.put(method + "|" + len, new double[] {r.getPrimaryResult().getScore() * mb,
                    r.getPrimaryResult().getScoreError() * mb});
        }
        Table t = new Table("line length", "method", "MB/s", "x BufferedReader");
        for (String len : new String[] {"100", "20"}) {
            double br = scores.get("bufferedReader|" + len)[0];
            for (String method : new String[] {"bufferedReader", "lineFramer", "terminatorScanOnly"}) {
                double[] s = scores.get(method + "|" + len);
                t.row(len + " B", "`" + method + "`", Stats.fmt("%.0f", s[0]) + " ± " + Stats.fmt("%.0f", s[1]),
                        Stats.fmt("%.2fx", s[0] / br));
            }
        }
        report.table(t);
    }
}
