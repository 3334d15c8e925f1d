package dev.reactorfifo.examples;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The one-command demo end to end, as a user runs it: Demo in a JVM of its own (the reader), its
 * writer in a grandchild JVM, both writing into the same stdout; about five seconds. (Ctrl-C is
 * tested on the runnable jar by {@code DemoJarIT}.)
 */
class DemoTest {

    private static final Pattern WRITER_PID = Pattern.compile("child JVM \\(pid (\\d+)\\)");

    @TempDir
    Path dir;

    private Processes processes;

    @BeforeEach
    void setUp() {
        processes = new Processes(dir);
    }

    @AfterEach
    void tearDown() {
        processes.close(); // the demo and, should it have left it behind, its writer
    }

    @Test
    @Timeout(120)
    void writerAndReaderTalkAsTwoProcessesThenTheFifoIsRemoved() throws Exception {
        Processes.Started demo = processes.java(Demo.class);

        assertThat(demo.exitCode(Processes.PATIENCE.plusSeconds(30))).isZero();

        List<String> lines = demo.out().lines().toList();
        Path fifo = Path.of(lines.get(0).substring("demo: FIFO ".length()));
        Matcher writerPid = WRITER_PID.matcher(lines.get(1));
        assertThat(writerPid.find()).as("the writer's pid in %s", lines.get(1)).isTrue();
        long writer = Long.parseLong(writerPid.group(1));
        assertThat(writer).isNotEqualTo(demo.process().pid());

        // each message is sent (by the writer process) before it is received (by the demo's)
        List<String> conversation = new ArrayList<>();
        IntStream.rangeClosed(1, 5).forEach(i -> {
            conversation.add("Sent: Message " + i + " from writer");
            conversation.add("Received: Message " + i + " from writer");
        });
        assertThat(lines.subList(2, lines.size() - 2)).containsExactlyElementsOf(conversation);
        assertThat(lines.subList(lines.size() - 2, lines.size())).containsExactly(
                "demo: writer exited with code 0; the reader saw the end of the stream",
                "demo: removed the FIFO " + fifo);

        assertThat(fifo).doesNotExist();
        assertThat(fifo.getParent()).doesNotExist(); // createTemp's private folder goes with it
        assertThat(ProcessHandle.of(writer).filter(ProcessHandle::isAlive)).isEmpty();
        assertThat(demo.err()).isEmpty();
    }

    static List<String> messages(String prefix) {
        return IntStream.rangeClosed(1, 5).mapToObj(i -> prefix + "Message " + i + " from writer").toList();
    }
}
