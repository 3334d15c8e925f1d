package dev.reactorfifo.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;
import org.junit.jupiter.api.Test;

class LineBatcherTest {

    /** A chunk of one line: {@code length} times {@code c}, then {@code \n}. */
    private static LineChunk line(int length, char c) {
        return chunk(String.valueOf(c).repeat(length) + "\n", 1);
    }

    private static LineChunk chunk(String text, int lines) {
        byte[] bytes = text.getBytes(StandardCharsets.US_ASCII);
        LineChunk chunk = new LineChunk(bytes, 0);
        chunk.length = bytes.length;
        chunk.lines = lines;
        return chunk;
    }

    /** Drains the batcher, returning the bytes of each segment. */
    private static List<String> segments(LineBatcher b) {
        b.seal();
        List<String> out = new ArrayList<>();
        while (b.hasSegment()) {
            byte[] bytes = new byte[b.segmentEnd() - b.segmentStart()];
            b.buffer().get(b.segmentStart(), bytes);
            out.add(new String(bytes, StandardCharsets.US_ASCII));
            b.segmentWritten();
        }
        return out;
    }

    @Test
    void cutsSegmentsAtRecordBoundariesWithinTheLimitAndCountsTheLinesOfChunks() {
        LineBatcher b = lent(new LineBatcher(100, 10));
        assertThat(b.add(line(3, 'a'))).isTrue(); // 4 bytes
        assertThat(b.add(chunk("b\nbb\n", 2))).isTrue(); // 5 bytes: 9 in the segment
        assertThat(b.add(line(2, 'c'))).isTrue(); // 3 bytes would make 12: new segment
        assertThat(b.pendingLines()).isEqualTo(4);
        b.seal();
        assertThat(b.segmentWritten()).as("lines of the first segment").isEqualTo(3);
        assertThat(b.segmentWritten()).isEqualTo(1);
        assertThat(b.isEmpty()).isTrue();
        assertThat(b.pendingLines()).isZero();
    }

    @Test
    void aRecordLongerThanTheLimitStandsAlone() {
        LineBatcher b = lent(new LineBatcher(100, 10));
        b.add(line(1, 'a'));
        b.add(line(20, 'L'));
        b.add(line(1, 'b'));
        assertThat(segments(b)).containsExactly("a\n", "L".repeat(20) + "\n", "b\n");
    }

    @Test
    void refusesWhatTheBufferCannotHold() {
        LineBatcher b = lent(new LineBatcher(10, 10));
        assertThat(b.add(line(5, 'a'))).isTrue();
        assertThat(b.add(line(5, 'b'))).as("6 more bytes do not fit in 10").isFalse();
        assertThat(segments(b)).containsExactly("aaaaa\n");
        assertThat(b.add(line(5, 'b'))).isTrue();
    }

    @Property(tries = 300)
    void segmentsHoldWholeRecordsInOrderAndRespectTheLimit(
            @ForAll @Size(max = 200) List<@IntRange(min = 0, max = 60) Integer> lengths,
            @ForAll @IntRange(min = 8, max = 64) int limit) {
        LineBatcher b = lent(new LineBatcher(512, limit));
        StringBuilder all = new StringBuilder();
        StringBuilder written = new StringBuilder();
        char c = 'a';
        for (int length : lengths) {
            LineChunk l = line(length, c);
            c = c == 'z' ? 'a' : (char) (c + 1);
            if (!b.add(l)) {
                segments(b).forEach(s -> check(s, limit, written));
                assertThat(b.add(l)).isTrue();
            }
            all.append(new String(l.bytes, 0, l.length, StandardCharsets.US_ASCII));
        }
        segments(b).forEach(s -> check(s, limit, written));
        assertThat(written.toString()).isEqualTo(all.toString());
    }

    private static void check(String segment, int limit, StringBuilder written) {
        assertThat(segment).endsWith("\n");
        if (segment.length() > limit) {
            assertThat(segment.indexOf('\n')).as("only a single long record may exceed the limit")
                    .isEqualTo(segment.length() - 1);
        }
        written.append(segment);
    }

    /** A batcher with a buffer lent, as the writer lends one for as long as records are staged. */
    private static LineBatcher lent(LineBatcher b) {
        b.lend(ByteBuffer.allocateDirect(b.capacity()));
        return b;
    }

    @Test
    void holdsNoBufferWhileIdleAndRefusesToGiveBackStagedRecords() {
        LineBatcher b = new LineBatcher(64, 64);
        assertThat(b.hasBuffer()).isFalse();
        assertThat(b.add(line(3, 'a'))).as("nothing can be staged without a buffer").isFalse();
        ByteBuffer buffer = ByteBuffer.allocateDirect(64);
        b.lend(buffer);
        assertThat(b.add(line(3, 'a'))).isTrue();
        assertThatThrownBy(b::takeBack).isInstanceOf(IllegalStateException.class);
        assertThat(segments(b)).containsExactly("aaa\n");
        assertThat(b.takeBack()).isSameAs(buffer);
        assertThat(b.hasBuffer()).isFalse();
    }

    @Test
    void buffersAreAddedAsTheyAreWithTheirPositionLeftAlone() {
        LineBatcher b = lent(new LineBatcher(64, 64));
        ByteBuffer record = ByteBuffer.wrap("xxabcyy".getBytes(StandardCharsets.US_ASCII));
        record.position(2).limit(5);
        assertThat(b.add(record)).isTrue();
        assertThat(record.position()).isEqualTo(2);
        assertThat(record.limit()).isEqualTo(5);
        assertThat(b.add(ByteBuffer.wrap("de".getBytes(StandardCharsets.US_ASCII)))).isTrue();
        assertThat(segments(b)).containsExactly("abcde");
    }
}
