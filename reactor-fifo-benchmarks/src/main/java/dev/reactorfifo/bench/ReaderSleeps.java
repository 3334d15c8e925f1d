package dev.reactorfifo.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Counts how often a {@code cat} reader slept during a transfer: its voluntary context switches,
 * which GNU {@code time -f %w} reports from {@code wait4}. A reader sleeps each time it finds the
 * pipe empty, and each sleep is a wake-up the writer pays for in its next {@code write(2)}; a
 * writer whose writes come in bursts leaves the reader asleep less. The process is gone when the
 * count is known, so {@code /proc} cannot give it.
 */
final class ReaderSleeps {

    private static final Path GNU_TIME = Path.of("/usr/bin/time");

    private final Path countFile;
    private final boolean available;

    private ReaderSleeps(Path countFile, boolean available) {
        this.countFile = countFile;
        this.available = available;
    }

    /** A counter that counts where GNU time is installed, and records "not counted" elsewhere. */
    static ReaderSleeps counter(Context ctx) {
        Path countFile = ctx.temp.resolve("reader-sleeps");
        boolean gnu = Files.isExecutable(GNU_TIME)
                && !Shell.capture(GNU_TIME + " -f %w -o " + Shell.quote(countFile) + " true && cat " + Shell.quote(countFile))
                        .isEmpty();
        return new ReaderSleeps(countFile, gnu);
    }

    /**
     * @return a recording of one transfer's reader sleeps per MB into {@code perMb} under
     *     {@code key}, or null where they cannot be counted
     */
    Recording recordingInto(Map<String, List<Double>> perMb, String key, long bytes) {
        return available ? new Recording(perMb, key, bytes) : null;
    }

    /** One transfer's count. */
    final class Recording {
        private final Map<String, List<Double>> perMb;
        private final String key;
        private final long bytes;

        private Recording(Map<String, List<Double>> perMb, String key, long bytes) {
            this.perMb = perMb;
            this.key = key;
            this.bytes = bytes;
        }

        /** @return {@code command} run under GNU time, which writes the count to the count file */
        String wrapping(String command) {
            return GNU_TIME + " -f %w -o " + Shell.quote(countFile) + " " + command;
        }

        /** Reads the count of the reader that has exited. */
        void record() {
            try {
                long sleeps = Long.parseLong(Files.readString(countFile).trim());
                perMb.computeIfAbsent(key, k -> new ArrayList<>()).add(sleeps / (bytes / 1e6));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }
}
