package dev.reactorfifo.bench;

import java.util.Arrays;
import java.util.Collection;
import java.util.Locale;

/** Medians, ranges and percentiles, and the number formats every table uses. */
final class Stats {

    private Stats() {
    }

    static double[] toArray(Collection<Double> values) {
        return values.stream().mapToDouble(Double::doubleValue).toArray();
    }

    static double median(double[] values) {
        if (values.length == 0) {
            return Double.NaN;
        }
        double[] s = values.clone();
        Arrays.sort(s);
        int mid = s.length / 2;
        return s.length % 2 == 1 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
    }

    static double min(double[] values) {
        return Arrays.stream(values).min().orElse(Double.NaN);
    }

    static double max(double[] values) {
        return Arrays.stream(values).max().orElse(Double.NaN);
    }

    /** Nearest-rank percentile of an already sorted array. */
    static long percentile(long[] sorted, double p) {
        if (sorted.length == 0) {
            return -1;
        }
        int rank = (int) Math.ceil(p / 100.0 * sorted.length);
        return sorted[Math.max(0, Math.min(sorted.length - 1, rank - 1))];
    }

    /** "median (min-max)" with the given format for each number. */
    static String range(double[] values, String format) {
        if (values.length == 0) {
            return "n/a";
        }
        return fmt(format, median(values)) + " (" + fmt(format, min(values)) + "-" + fmt(format, max(values)) + ")";
    }

    /** A ratio as "1.23x (1.10-1.40)". */
    static String ratio(double[] ratios) {
        if (ratios.length == 0) {
            return "n/a";
        }
        return fmt("%.2f", median(ratios)) + "x (" + fmt("%.2f", min(ratios)) + "-" + fmt("%.2f", max(ratios)) + ")";
    }

    static String fmt(String format, double value) {
        return String.format(Locale.ROOT, format, value);
    }

    /** Microseconds with a precision that suits the size. */
    static String micros(double nanos) {
        double us = nanos / 1000.0;
        return us >= 100 ? fmt("%.0f", us) : us >= 10 ? fmt("%.1f", us) : fmt("%.2f", us);
    }

    static String microsRange(double[] nanos) {
        if (nanos.length == 0) {
            return "n/a";
        }
        return micros(median(nanos)) + " (" + micros(min(nanos)) + "-" + micros(max(nanos)) + ")";
    }
}
