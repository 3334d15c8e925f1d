package dev.reactorfifo.examples;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;
import java.util.OptionalLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The one-command demo end to end: the reader in this JVM, the writer in a child JVM, about five
 * seconds. (Ctrl-C is tested on the runnable jar by {@code DemoJarIT}.)
 */
class DemoTest {

    private static final Pattern WRITER_PID = Pattern.compile("child JVM \\(pid (\\d+)\\)");

    @Test
    @Timeout(60)
    void writerAndReaderTalkAsTwoProcessesThenTheFifoIsRemoved() {
        Output out = new Output();
        Output err = new Output();

        int code = Demo.run(new String[0], out.stream, err.stream);

        List<String> lines = out.lines();
        OptionalLong writerPid = writerPid(lines);
        try {
            assertThat(code).as("exit code; output: %s; errors: %s", lines, err.text()).isZero();
            assertThat(lines.stream().filter(line -> line.startsWith("Sent: ")))
                    .containsExactlyElementsOf(messages("Sent: "));
            assertThat(lines.stream().filter(line -> line.startsWith("Received: ")))
                    .containsExactlyElementsOf(messages("Received: "));
            assertThat(lines).hasSize(2 + 10 + 2);

            Path fifo = Path.of(lines.get(0).substring("demo: FIFO ".length()));
            assertThat(fifo).doesNotExist();
            assertThat(fifo.getParent()).doesNotExist(); // createTemp's private folder goes with it
            assertThat(lines.get(lines.size() - 1)).isEqualTo("demo: removed the FIFO " + fifo);

            assertThat(writerPid).as("the writer's pid, in %s", lines).isPresent();
            assertThat(writerPid.getAsLong()).isNotEqualTo(ProcessHandle.current().pid());
            assertThat(ProcessHandle.of(writerPid.getAsLong()).filter(ProcessHandle::isAlive)).isEmpty();
            assertThat(err.text()).isEmpty();
        } finally {
            // Demo stops its child itself; this is the safety net should it have failed to
            writerPid.ifPresent(pid -> ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly));
        }
    }

    /** From the line "demo: writer = WriterExample in a child JVM (pid N), ...". */
    private static OptionalLong writerPid(List<String> lines) {
        for (String line : lines) {
            Matcher m = WRITER_PID.matcher(line);
            if (m.find()) {
                return OptionalLong.of(Long.parseLong(m.group(1)));
            }
        }
        return OptionalLong.empty();
    }

    static List<String> messages(String prefix) {
        return IntStream.rangeClosed(1, 5).mapToObj(i -> prefix + "Message " + i + " from writer").toList();
    }
}
