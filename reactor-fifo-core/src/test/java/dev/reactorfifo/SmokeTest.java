package dev.reactorfifo;

import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import reactor.core.publisher.Flux;
import reactor.test.StepVerifier;

class SmokeTest {
    @TempDir Path dir;

    @Test
    void readsAndWrites() throws Exception {
        NamedPipe pipe = NamedPipe.create(dir.resolve("p"));
        Process p = new ProcessBuilder("sh", "-c", "printf 'a\\nb\\r\\nc' > " + pipe.path()).start();
        StepVerifier.create(pipe.lines()).expectNext("a", "b", "c").expectComplete().verify(Duration.ofSeconds(5));
        p.waitFor();
        Path out0 = dir.resolve("out");
        Process cat = new ProcessBuilder("cat", pipe.path().toString()).redirectOutput(out0.toFile()).start();
        StepVerifier.create(pipe.writeLines(Flux.range(0, 100000).map(i -> "line " + i))).expectComplete().verify(Duration.ofSeconds(10));
        cat.waitFor();
        String out = java.nio.file.Files.readString(out0);
        org.assertj.core.api.Assertions.assertThat(out.split("\n")).hasSize(100000);
    }
}
