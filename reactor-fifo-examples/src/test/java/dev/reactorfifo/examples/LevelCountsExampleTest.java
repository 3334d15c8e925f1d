package dev.reactorfifo.examples;

import static org.assertj.core.api.Assertions.assertThat;

import dev.reactorfifo.NamedPipe;
import dev.reactorfifo.ReadOptions;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import reactor.test.StepVerifier;

/** LevelCountsExample against a real FIFO fed by real {@code sh} producer processes. */
@Timeout(120)
class LevelCountsExampleTest {

    @TempDir
    Path dir;

    private Processes processes;
    private InBackground counter;

    @BeforeEach
    void setUp() {
        processes = new Processes(dir);
    }

    @AfterEach
    void tearDown() {
        if (counter != null) {
            counter.close();
        }
        processes.close();
    }

    /**
     * Two producers write at the same time and close; the count keeps going (follow mode) and a
     * third producer that comes later is counted too.
     */
    @Test
    void countsPerLevelAcrossConcurrentAndLaterProducers() throws Exception {
        NamedPipe pipe = NamedPipe.create(dir.resolve("levels"));
        String fifo = pipe.path().toString();

        StepVerifier.create(LevelCountsExample.countLevels(
                        pipe.lines(ReadOptions.defaults().follow(true)), Duration.ofMillis(100)))
                .then(() -> {
                    producer("for i in $(seq 50); do echo \"INFO a $i\"; done; "
                            + "for i in $(seq 10); do echo \"WARN a $i\"; done", fifo);
                    producer("for i in $(seq 30); do echo \"ERROR b $i\"; done; "
                            + "for i in $(seq 10); do echo \"info: b $i\"; echo \"[Info] b\"; done", fifo);
                })
                .thenConsumeWhile(counts -> counts.totalLines() < 110)
                .assertNext(counts -> assertThat(counts.total())
                        .isEqualTo(Map.of("ERROR", 30L, "INFO", 70L, "WARN", 10L)))
                .then(() -> producer("for i in $(seq 5); do echo \"[debug] c $i\"; echo \"ERROR c $i\"; done; "
                        + "echo; echo 'no level here'", fifo))
                .thenConsumeWhile(counts -> counts.totalLines() < 122)
                .assertNext(counts -> assertThat(counts.total()).isEqualTo(
                        Map.of("DEBUG", 5L, "ERROR", 35L, "INFO", 70L, "OTHER", 2L, "WARN", 10L)))
                .expectNoEvent(Duration.ofMillis(300)) // still following, nothing more counted
                .thenCancel()
                .verify(Processes.PATIENCE);
    }

    @Test
    void runCreatesTheFifoAndPrintsRunningCountsUntilStopped() throws Exception {
        Path fifo = dir.resolve("levels");
        Output out = new Output();
        Output err = new Output();
        counter = new InBackground("LevelCountsExample",
                () -> LevelCountsExample.run(new String[] {fifo.toString(), "100"}, out.stream, err.stream));
        Processes.await("LevelCountsExample to create " + fifo, Processes.PATIENCE, () -> Files.exists(fifo));

        processes.sh("echo 'ERROR disk full' > " + fifo + "; echo 'WARN low memory' > " + fifo);
        processes.sh("echo 'INFO started' > " + fifo);
        Processes.await("the totals of three lines (output so far: " + out.text() + ")", Processes.PATIENCE,
                () -> out.text().contains("total: ERROR=1 INFO=1 WARN=1 (3 lines)"));

        counter.close(); // as Ctrl-C would
        assertThat(counter.exitCode(Processes.PATIENCE)).isEqualTo(130);
        assertThat(out.lines().get(0)).isEqualTo("Counting levels of the lines written into " + fifo + " (Ctrl-C to stop)");
        assertThat(out.lines()).last().asString()
                .matches("\\d\\d:\\d\\d:\\d\\d  new: .+  total: ERROR=1 INFO=1 WARN=1 \\(3 lines\\)");
        assertThat(err.text()).isEmpty();
    }

    @Test
    void refusesAPathThatIsARegularFile() throws Exception {
        Path file = Files.writeString(dir.resolve("app.log"), "ERROR x\n");
        Output out = new Output();
        Output err = new Output();

        int code = LevelCountsExample.run(new String[] {file.toString()}, out.stream, err.stream);

        assertThat(code).isEqualTo(1);
        assertThat(err.lines()).containsExactly("Counter error: " + file + ": is a regular file, not a FIFO");
    }

    @Test
    void levelIsTheFirstWordInAnyCommonSpelling() {
        assertThat(LevelCountsExample.levelOf("ERROR disk full")).isEqualTo("ERROR");
        assertThat(LevelCountsExample.levelOf("[warn] low memory")).isEqualTo("WARN");
        assertThat(LevelCountsExample.levelOf("  Info: started")).isEqualTo("INFO");
        assertThat(LevelCountsExample.levelOf("hello")).isEqualTo("OTHER");
        assertThat(LevelCountsExample.levelOf("")).isEqualTo("OTHER");
    }

    private void producer(String script, String fifo) {
        try {
            processes.sh("{ " + script + "; } > " + fifo);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
