package dev.reactorfifo.bench;

import java.util.concurrent.atomic.AtomicLongArray;

/**
 * Delivery delays recorded from many threads at once without a lock: 10 µs buckets up to 1 s,
 * 1 ms buckets from 1 s to 60 s, and one bucket beyond. Percentiles are accurate to a bucket.
 */
final class DelayHistogram {

    private static final int FINE = 100_000; // 10 µs x 100,000 = 1 s
    private static final int COARSE = 59_000; // 1 ms x 59,000 = 1 s .. 60 s
    private final AtomicLongArray counts = new AtomicLongArray(FINE + COARSE + 1);

    void record(long nanos) {
        long d = Math.max(0, nanos);
        int i = d < 1_000_000_000L ? (int) (d / 10_000) : (int) Math.min(FINE + (d - 1_000_000_000L) / 1_000_000, FINE + COARSE);
        counts.incrementAndGet(i);
    }

    long count() {
        long n = 0;
        for (int i = 0; i < counts.length(); i++) {
            n += counts.get(i);
        }
        return n;
    }

    /** Nearest-rank percentile, as the upper edge of its bucket, in ns; -1 when empty. */
    long percentile(double p) {
        long n = count();
        if (n == 0) {
            return -1;
        }
        long rank = Math.max(1, (long) Math.ceil(p / 100.0 * n));
        long seen = 0;
        for (int i = 0; i < counts.length(); i++) {
            seen += counts.get(i);
            if (seen >= rank) {
                return i < FINE ? (i + 1) * 10_000L : 1_000_000_000L + (i - FINE + 1) * 1_000_000L;
            }
        }
        return Long.MAX_VALUE;
    }
}
