package dev.reactorfifo.examples;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The runnable jar, as the README runs it ({@code java -jar target/reactor-fifo-examples.jar}),
 * interrupted like Ctrl-C once the messages flow: its shutdown hook must stop the writer process
 * and remove the FIFO. Runs after {@code package} (failsafe), because it needs the shaded jar.
 */
class DemoJarIT {

    @TempDir
    Path dir;

    private Processes processes;

    @BeforeEach
    void setUp() {
        processes = new Processes(dir);
    }

    @AfterEach
    void tearDown() {
        processes.close();
    }

    @Test
    @Timeout(180)
    void ctrlCStopsTheWriterProcessAndRemovesTheFifo() throws Exception {
        Path jar = Path.of(System.getProperty("examples.jar", "target/reactor-fifo-examples.jar"));
        assertThat(jar).as("the shaded jar (run mvn package first)").exists();
        String java = ProcessHandle.current().info().command().orElseThrow();
        Processes.Started demo = processes.start(new ProcessBuilder(java, "-jar", jar.toString()));

        Processes.awaitOutput(demo.stdout(), Processes.PATIENCE,
                out -> out.contains("Received: Message 1 from writer"));
        List<String> lines = demo.out().lines().toList();
        Path fifo = Path.of(lines.get(0).substring("demo: FIFO ".length()));
        assertThat(fifo).exists();
        List<ProcessHandle> writers = demo.process().children().toList();
        assertThat(writers).as("the writer child JVM").hasSize(1);

        // Ctrl-C sends SIGINT. A JVM started with SIGINT ignored (a background job of a
        // non-interactive shell, as under some CI runners) keeps ignoring it; SIGTERM runs the
        // same shutdown hooks, so fall back to it there.
        boolean sigintIgnored = ignoresSigint(demo.process().pid());
        Process kill = new ProcessBuilder("kill", sigintIgnored ? "-TERM" : "-INT", String.valueOf(demo.process().pid()))
                .inheritIO().start();
        assertThat(kill.waitFor(10, TimeUnit.SECONDS)).isTrue();

        assertThat(demo.exitCode(Processes.PATIENCE)).isEqualTo(sigintIgnored ? 128 + 15 : 128 + 2);
        ProcessHandle writer = writers.get(0);
        writer.onExit().get(10, TimeUnit.SECONDS);
        assertThat(writer.isAlive()).isFalse();
        assertThat(fifo).doesNotExist();
        assertThat(fifo.getParent()).doesNotExist();
        assertThat(demo.out()).contains("demo: interrupted: stopped the writer and removed the FIFO " + fifo);
        assertThat(demo.err()).doesNotContain("Exception").doesNotContain("\tat ");
    }

    /** Bit 2 (SIGINT) of SigIgn in /proc/PID/status; false where there is no /proc. */
    private static boolean ignoresSigint(long pid) throws Exception {
        Path status = Path.of("/proc/" + pid + "/status");
        if (!Files.exists(status)) {
            return false;
        }
        for (String line : Files.readAllLines(status)) {
            if (line.startsWith("SigIgn:")) {
                long mask = Long.parseUnsignedLong(line.substring("SigIgn:".length()).trim(), 16);
                return (mask & (1L << (2 - 1))) != 0;
            }
        }
        return false;
    }
}
