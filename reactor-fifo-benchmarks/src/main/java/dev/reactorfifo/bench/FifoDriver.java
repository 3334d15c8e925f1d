package dev.reactorfifo.bench;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * The native far end of many FIFOs ({@code fifo-driver.c}, a resource of this module): one process
 * that writes timestamped lines into thousands of FIFOs on a schedule, or holds their read ends.
 * C rather than a JVM, so that the writer side of the concurrency scenario costs no JIT warm-up,
 * no GC pauses and no threads of its own, and its schedule holds at 10,000 FIFOs x 10 lines/s.
 * It is compiled with {@code gcc -O2} once per harness run into the run's temporary folder.
 */
final class FifoDriver {

    private static Path binary;
    /** Descriptors a process needs beside its FIFOs (a JVM holds a few hundred: jars, pipes, epoll). */
    static final int SPARE_DESCRIPTORS = 512;

    private FifoDriver() {
    }

    /**
     * Starts {@code fifo-driver MODE DIR N} with the descriptor limit raised to the hard limit.
     * @param mode {@code "w"} (writer ends) or {@code "r"} (read ends, never read)
     */
    static ChildJvm start(Context ctx, String name, String mode, Path dir, int n) {
        return ChildJvm.startProcess(ctx.logs, name, true,
                List.of(binary(ctx).toString(), mode, dir.toString(), String.valueOf(n)));
    }

    /** The hard limit on open descriptors ({@code ulimit -Hn}) that the children are raised to; MAX_VALUE if unlimited. */
    static long hardDescriptorLimit() {
        String v = Shell.capture("ulimit -Hn");
        try {
            return v.equals("unlimited") ? Long.MAX_VALUE : Long.parseLong(v);
        } catch (NumberFormatException e) {
            return Long.MAX_VALUE; // unknown: let the run try
        }
    }

    /** A folder with {@code n} fresh FIFOs {@code f0 .. f<n-1>}. */
    static Path fifos(Context ctx, String name, int n) throws IOException {
        Path dir = Files.createDirectories(ctx.temp.resolve(name));
        for (int i = 0; i < n; i++) {
            Path p = dir.resolve("f" + i);
            if (!Files.exists(p)) {
                dev.reactorfifo.NamedPipe.create(p);
            }
        }
        return dir;
    }

    private static synchronized Path binary(Context ctx) {
        if (binary != null && Files.isExecutable(binary)) {
            return binary;
        }
        try {
            Path src = ctx.temp.resolve("fifo-driver.c");
            try (InputStream in = FifoDriver.class.getResourceAsStream("fifo-driver.c")) {
                if (in == null) {
                    throw new IllegalStateException("fifo-driver.c is missing from the class path");
                }
                Files.copy(in, src);
            }
            Path bin = ctx.temp.resolve("fifo-driver");
            Process gcc = new ProcessBuilder("gcc", "-O2", "-Wall", "-o", bin.toString(), src.toString())
                    .redirectErrorStream(true).start();
            String out = new String(gcc.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (gcc.waitFor() != 0) {
                throw new IllegalStateException("gcc could not compile fifo-driver.c (the concurrency, idle and "
                        + "vthreads scenarios need a C compiler):\n" + out);
            }
            binary = bin;
            return bin;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot build fifo-driver (is gcc installed?)", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
