package dev.reactorfifo.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;
import org.junit.jupiter.api.Test;

class LineBatcherTest {

    private static byte[] line(int length, char c) {
        return String.valueOf(c).repeat(length).getBytes(StandardCharsets.US_ASCII);
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
    void cutsSegmentsAtLineBoundariesWithinTheLimit() {
        LineBatcher b = lent(new LineBatcher(100, 10));
        assertThat(b.add(line(3, 'a'))).isTrue(); // 4 bytes
        assertThat(b.add(line(4, 'b'))).isTrue(); // 5 bytes: 9 in the segment
        assertThat(b.add(line(2, 'c'))).isTrue(); // 3 bytes would make 12: new segment
        assertThat(b.pendingLines()).isEqualTo(3);
        assertThat(segments(b)).containsExactly("aaa\nbbbb\n", "cc\n");
        assertThat(b.isEmpty()).isTrue();
        assertThat(b.pendingLines()).isZero();
    }

    @Test
    void aLineLongerThanTheLimitStandsAlone() {
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
    void segmentsHoldWholeLinesInOrderAndRespectTheLimit(
            @ForAll @Size(max = 200) List<@IntRange(min = 0, max = 60) Integer> lengths,
            @ForAll @IntRange(min = 8, max = 64) int limit) {
        LineBatcher b = lent(new LineBatcher(512, limit));
        StringBuilder all = new StringBuilder();
        StringBuilder written = new StringBuilder();
        char c = 'a';
        for (int length : lengths) {
            byte[] l = line(length, c);
            c = c == 'z' ? 'a' : (char) (c + 1);
            if (!b.add(l)) {
                segments(b).forEach(s -> check(s, limit, written));
                assertThat(b.add(l)).isTrue();
            }
            all.append(new String(l, StandardCharsets.US_ASCII)).append('\n');
        }
        segments(b).forEach(s -> check(s, limit, written));
        assertThat(written.toString()).isEqualTo(all.toString());
    }

    private static void check(String segment, int limit, StringBuilder written) {
        assertThat(segment).endsWith("\n");
        if (segment.length() > limit) {
            assertThat(segment.indexOf('\n')).as("only a single long line may exceed the limit")
                    .isEqualTo(segment.length() - 1);
        }
        written.append(segment);
    }

    /** A batcher with a buffer lent, as the writer lends one for as long as lines are staged. */
    private static LineBatcher lent(LineBatcher b) {
        b.lend(java.nio.ByteBuffer.allocateDirect(b.capacity()));
        return b;
    }

    @Test
    void holdsNoBufferWhileIdleAndRefusesToGiveBackStagedLines() {
        LineBatcher b = new LineBatcher(64, 64);
        assertThat(b.hasBuffer()).isFalse();
        assertThat(b.add(line(3, 'a'))).as("nothing can be staged without a buffer").isFalse();
        java.nio.ByteBuffer buffer = java.nio.ByteBuffer.allocateDirect(64);
        b.lend(buffer);
        assertThat(b.add(line(3, 'a'))).isTrue();
        org.assertj.core.api.Assertions.assertThatThrownBy(b::takeBack).isInstanceOf(IllegalStateException.class);
        assertThat(segments(b)).containsExactly("aaa\n");
        assertThat(b.takeBack()).isSameAs(buffer);
        assertThat(b.hasBuffer()).isFalse();
    }

    @Test
    void buffersAreAddedAsTheyAreWithTheirPositionLeftAlone() {
        LineBatcher b = new LineBatcher(64, 64, new byte[0]);
        b.lend(java.nio.ByteBuffer.allocateDirect(64));
        java.nio.ByteBuffer record = java.nio.ByteBuffer.wrap("xxabcyy".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
        record.position(2).limit(5);
        assertThat(b.add(record)).isTrue();
        assertThat(record.position()).isEqualTo(2);
        assertThat(record.limit()).isEqualTo(5);
        assertThat(b.add("de".getBytes(java.nio.charset.StandardCharsets.US_ASCII))).isTrue();
        b.seal();
        byte[] written = new byte[b.segmentEnd() - b.segmentStart()];
        b.buffer().get(b.segmentStart(), written);
        assertThat(new String(written, java.nio.charset.StandardCharsets.US_ASCII)).isEqualTo("abcde");
    }

    @Test
    void aDelimiterOfSeveralBytesFollowsEveryRecord() {
        LineBatcher b = new LineBatcher(64, 64, new byte[] {'\r', '\n'});
        b.lend(java.nio.ByteBuffer.allocateDirect(64));
        assertThat(b.add("a".getBytes(java.nio.charset.StandardCharsets.US_ASCII))).isTrue();
        assertThat(b.add(java.nio.ByteBuffer.wrap(new byte[] {'b'}))).isTrue();
        b.seal();
        byte[] written = new byte[b.segmentEnd() - b.segmentStart()];
        b.buffer().get(b.segmentStart(), written);
        assertThat(new String(written, java.nio.charset.StandardCharsets.US_ASCII)).isEqualTo("a\r\nb\r\n");
    }
}
