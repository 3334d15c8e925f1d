package dev.reactorfifo.bench;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.LongSupplier;
import java.util.function.ToLongFunction;

/**
 * The measured rounds of a throughput scenario (read or write): in every round each contender's
 * transfer runs right after a transfer of the reference ({@code cat}), and every ratio is taken
 * pair by pair, to the reference run just before it and to the baseline contender of the same
 * round ({@code BufferedReader} / {@code BufferedWriter}).
 */
final class PairedRounds {

    /** A contender as the table shows it. */
    record Row(String key, String label) {
    }

    private final List<Row> rows;
    private final String baseKey;
    private final Map<String, List<Double>> mbps = new LinkedHashMap<>();
    private final Map<String, List<Double>> refRatio = new LinkedHashMap<>();
    private final Map<String, List<Double>> baseRatio = new LinkedHashMap<>();
    private final List<Double> refs = new ArrayList<>();
    private final List<Double> refOverBase = new ArrayList<>();

    private PairedRounds(List<Row> rows, String baseKey) {
        this.rows = rows;
        this.baseKey = baseKey;
    }

    /**
     * @param reference one reference transfer; @return its wall time in ns
     * @param transfer one transfer of the contender with this key; @return its wall time in ns
     */
    static PairedRounds measure(int rounds, List<Row> rows, String baseKey, long bytes, LongSupplier reference,
            ToLongFunction<String> transfer, String progress) {
        PairedRounds p = new PairedRounds(rows, baseKey);
        for (int r = 0; r < rounds; r++) {
            Map<String, Double> value = new LinkedHashMap<>();
            double refBeforeBase = Double.NaN;
            for (Row row : rows) {
                double ref = bytes / 1e6 / ReadScenario.seconds(reference.getAsLong());
                double v = bytes / 1e6 / ReadScenario.seconds(transfer.applyAsLong(row.key()));
                p.refs.add(ref);
                if (row.key().equals(baseKey)) {
                    refBeforeBase = ref;
                }
                value.put(row.key(), v);
                p.mbps.computeIfAbsent(row.key(), k -> new ArrayList<>()).add(v);
                p.refRatio.computeIfAbsent(row.key(), k -> new ArrayList<>()).add(v / ref);
            }
            double base = value.get(baseKey);
            p.refOverBase.add(refBeforeBase / base);
            for (Row row : rows) {
                p.baseRatio.computeIfAbsent(row.key(), k -> new ArrayList<>()).add(value.get(row.key()) / base);
            }
            System.out.printf("   %s: round %d/%d done%n", progress, r + 1, rounds);
        }
        return p;
    }

    /** The table (reference row first) and the chart bars, each contender relative to the reference. */
    void report(Report report, String firstHeader, String baseHeader, String referenceLabel, String chartGroup) {
        report(report, firstHeader, baseHeader, referenceLabel, chartGroup, List.of());
    }

    /** A column after the ratios: its header, and its cell for a contender's key (null: the reference row). */
    record Column(String header, java.util.function.Function<String, String> cell) {
    }

    /** @param extra columns after the ratios, e.g. write(2) calls per MB */
    void report(Report report, String firstHeader, String baseHeader, String referenceLabel, String chartGroup,
            List<Column> extra) {
        List<String> headers = new ArrayList<>(List.of(firstHeader, "MB/s median (min-max)", "x cat, paired", baseHeader));
        extra.forEach(c -> headers.add(c.header()));
        Table t = new Table(headers.toArray(new String[0]));
        double[] refArr = Stats.toArray(refs);
        row(t, extra, null, referenceLabel, Stats.range(refArr, "%.0f"), "1", Stats.ratio(Stats.toArray(refOverBase)));
        double[] refNoise = ReadScenario.ratiosOf(refArr);
        report.chart.add(new Report.ChartBar(chartGroup, "cat (reference)", 1, Stats.min(refNoise), Stats.max(refNoise)));
        for (Row row : rows) {
            double[] rr = Stats.toArray(refRatio.get(row.key()));
            row(t, extra, row.key(), row.label(), Stats.range(Stats.toArray(mbps.get(row.key())), "%.0f"), Stats.ratio(rr),
                    row.key().equals(baseKey) ? "1" : Stats.ratio(Stats.toArray(baseRatio.get(row.key()))));
            report.chart.add(new Report.ChartBar(chartGroup, row.label().replace("`", ""), Stats.median(rr), Stats.min(rr), Stats.max(rr)));
        }
        report.table(t);
    }

    private static void row(Table t, List<Column> extra, String key, String... cells) {
        List<String> all = new ArrayList<>(List.of(cells));
        extra.forEach(c -> all.add(c.cell().apply(key)));
        t.row(all.toArray(new String[0]));
    }

    /** MB/s of each measured transfer of {@code key}, in round order. */
    List<Double> mbps(String key) {
        return mbps.get(key);
    }

    /** Each round's ratio of {@code key} to the baseline contender. */
    double[] overBase(String key) {
        return Stats.toArray(baseRatio.get(key));
    }

    /** Each round's ratio of {@code key} to the reference run just before it. */
    double[] overReference(String key) {
        return Stats.toArray(refRatio.get(key));
    }
}
