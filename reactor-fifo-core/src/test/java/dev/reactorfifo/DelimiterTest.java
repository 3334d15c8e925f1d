package dev.reactorfifo;

import static dev.reactorfifo.FifoTestSupport.shQuote;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.reactorfifo.FifoTestSupport.Peer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;
import reactor.test.StepVerifier;

/** {@code ReadOptions.delimiter} and {@code WriteOptions.delimiter} against real NUL-separating tools. */
class DelimiterTest extends FifoTestCase {

    @Test
    void readsTheNulSeparatedNamesOfFindPrint0() throws Exception {
        Path tree = Files.createDirectory(dir.resolve("tree"));
        List<String> names = List.of("plain", "with space", "with\nnewline", "tab\there", "\u00e9t\u00e9");
        for (String name : names) {
            Files.writeString(tree.resolve(name), name);
        }
        List<String> found;
        try (Peer finder = Peer.sh("cd " + shQuote(tree.toString()) + " && find . -type f -print0 > " + fifo)) {
            found = pipe.lines(ReadOptions.defaults().delimiter("\0")).collectList().block(WAIT);
            assertThat(finder.awaitExit(WAIT)).isZero();
        }
        assertThat(found).containsExactlyInAnyOrderElementsOf(names.stream().map(n -> "./" + n).collect(Collectors.toList()));
    }

    @Test
    void writesNulSeparatedNamesThatXargs0Takes() throws Exception {
        List<String> names = List.of("a b", "c\nd", "e");
        Path out = dir.resolve("out.txt");
        // xargs -0 passes each element as one argument: printf prints one per line, in brackets
        try (Peer xargs = Peer.start(out, "sh", "-c", "xargs -0 printf '[%s]\\n' < " + fifo)) {
            pipe.writeLines(Flux.fromIterable(names), WriteOptions.defaults().delimiter("\0")).block(WAIT);
            assertThat(xargs.awaitExit(WAIT)).isZero();
        }
        assertThat(Files.readString(out)).isEqualTo("[a b]\n[c\nd]\n[e]\n");
    }

    @Test
    void aMultiByteDelimiterRoundTripsThroughTheSink() throws Exception {
        String delimiter = "\r\n--\r\n";
        List<String> records = List.of("one\r\n-", "", "two\nlines", "-");
        List<String> received = new ArrayList<>();
        reactor.core.Disposable reader = pipe.lines(ReadOptions.defaults().delimiter(delimiter))
                .subscribe(received::add);
        try {
            FifoSink sink = pipe.sink(WriteOptions.defaults().delimiter(delimiter));
            for (String r : records) {
                assertThat(sink.tryEmitNext(r).isSuccess()).isTrue();
            }
            sink.tryEmitComplete();
            sink.done().block(WAIT);
            LinesTest.awaitCondition(() -> received.size() == records.size(), "all records, got " + received);
            assertThat(received).isEqualTo(records);
        } finally {
            reader.dispose();
        }
    }

    @Test
    void anElementTheReaderWouldSplitIsRefusedAtTheEmitAndNothingOfItIsWritten() throws Exception {
        Path out = dir.resolve("out.bin");
        try (Peer reader = Peer.start(out, "cat", pipe.path().toString())) {
            FifoSink sink = pipe.sink(WriteOptions.defaults().delimiter("aa"));
            assertThat(sink.tryEmitNext("x").isSuccess()).isTrue();
            assertThatThrownBy(() -> sink.tryEmitNext("a"))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("line 2 contains the delimiter \"aa\", with the delimiter written after it,");
            assertThatThrownBy(() -> sink.tryEmitNext("baab"))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("contains the delimiter \"aa\" at index 1");
            assertThat(sink.tryEmitNext("b").isSuccess()).as("the sink stays usable").isTrue();
            sink.tryEmitComplete();
            sink.done().block(WAIT);
            assertThat(reader.awaitExit(WAIT)).isZero();
        }
        assertThat(Files.readString(out, UTF_8)).isEqualTo("xaabaa");
        try (Peer reader = Peer.start(out, "cat", pipe.path().toString())) {
            StepVerifier.create(pipe.writeLines(Flux.just("ok", "a\0b"), WriteOptions.defaults().delimiter("\0")))
                    .expectErrorSatisfies(e -> assertThat(e).isInstanceOf(IllegalArgumentException.class)
                            .hasMessageContaining("line 2 contains the delimiter \"\\0\" at index 1"))
                    .verify(WAIT);
            assertThat(reader.awaitExit(WAIT)).isZero();
        }
        assertThat(Files.readString(out, UTF_8)).as("the lines before the refused one are written").isEqualTo("ok\0");
    }

    @Test
    void aStrictCrLfKeepsLoneCrAndLfInsideTheElements() throws Exception {
        try (Peer writer = Peer.sh("printf 'a\\rb\\nc\\r\\nd\\r\\n' > " + fifo)) {
            StepVerifier.create(pipe.lines(ReadOptions.defaults().delimiter("\r\n")))
                    .expectNext("a\rb\nc", "d")
                    .expectComplete()
                    .verify(WAIT);
        }
        assertThat(Stream.of("\0", "\r\n").map(d -> ReadOptions.defaults().delimiter(d).delimiter().get()))
                .containsExactly("\0", "\r\n");
    }
}
