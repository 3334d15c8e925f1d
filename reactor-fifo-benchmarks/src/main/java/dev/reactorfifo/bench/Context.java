package dev.reactorfifo.bench;

import dev.reactorfifo.NamedPipe;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/** What every scenario shares: the settings, the temporary folder with data and FIFOs, the logs. */
final class Context implements AutoCloseable {

    final boolean quick;
    /** Size of each read transfer. */
    final long dataBytes;
    /** Size of each write transfer: smaller, as the slowest writers run at a tenth of cat. */
    final long writeBytes;
    /** Measured rounds per contender (each paired with a reference run). */
    final int rounds;
    /** Unmeasured transfers each JVM contender makes before the measured rounds. */
    final int warmups;
    final Path out;
    final Path logs;
    final Path temp;
    private final Map<String, Path> dataFiles = new HashMap<>();
    private int fifoCounter;

    Context(boolean quick, long dataBytes, long writeBytes, int rounds, int warmups, Path out) throws IOException {
        this.quick = quick;
        this.dataBytes = dataBytes;
        this.writeBytes = writeBytes;
        this.rounds = rounds;
        this.warmups = warmups;
        this.out = Files.createDirectories(out);
        this.logs = Files.createDirectories(out.resolve("logs"));
        this.temp = Files.createTempDirectory("reactor-fifo-bench-");
    }

    /** The data file of {@code lineBytes}-byte lines, about {@code bytes} long, generated on first use. */
    Path dataFile(int lineBytes, long bytes) {
        return dataFile(lineBytes, bytes, '\n');
    }

    /** The same lines as {@link #dataFile(int, long)}, each ended by {@code terminator} instead of {@code \n}. */
    Path dataFile(int lineBytes, long bytes, char terminator) {
        String suffix = terminator == '\n' ? "" : "-" + Integer.toHexString(terminator);
        return dataFiles.computeIfAbsent(lineBytes + "B-" + bytes + suffix, key -> {
            Path file = temp.resolve("data-" + key + ".txt");
            try {
                long t0 = System.nanoTime();
                Lines.writeFile(file, lineBytes, Lines.count(lineBytes, bytes), terminator);
                System.out.printf("   (generated %s: %d MB in %d ms)%n", file.getFileName(),
                        Files.size(file) / 1_000_000, (System.nanoTime() - t0) / 1_000_000);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            return file;
        });
    }

    /** A fresh FIFO in the temporary folder. */
    synchronized Path newFifo(String name) {
        Path p = temp.resolve(name + "-" + (++fifoCounter));
        try {
            NamedPipe.create(p);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return p;
    }

    ChildJvm child(String name, List<String> jvmArgs, String role, String... args) {
        return ChildJvm.start(logs, name, jvmArgs, role, args);
    }

    /** A child JVM on another JDK and/or with the descriptor limit raised: see {@link ChildJvm#start}. */
    ChildJvm child(String name, Path javaHome, boolean raiseFdLimit, List<String> jvmArgs, String role, String... args) {
        return ChildJvm.start(logs, name, javaHome, raiseFdLimit, jvmArgs, role, args);
    }

    @Override
    public void close() {
        try (Stream<Path> walk = Files.walk(temp)) {
            walk.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            System.err.println("could not delete " + temp + ": " + e);
        }
    }
}
