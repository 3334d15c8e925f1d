package dev.reactorfifo.internal;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.reactorfifo.LineTooLongException;
import java.nio.charset.CodingErrorAction;
import java.util.ArrayList;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;

/** The framer with one exact delimiter: the same frames for any chunking, for every delimiter. */
class DelimitedFramerTest {

    private static final int NO_LIMIT = Integer.MAX_VALUE;
    /** Delimiters that overlap themselves ("aa", "abab") are the hard case for a split match. */
    private static final String[] DELIMITERS = {"\0", "\n", "\r\n", "\n\n", "aa", "aba", "abab", "--END--", "\u20ac"};

    /** Frames {@code input} fed in pieces of the given sizes (cycled), to the end of input. */
    static List<String> frame(byte[] input, String delimiter, int[] pieceSizes, int maxLineLength) throws Exception {
        LineFramer framer = new LineFramer(UTF_8, CodingErrorAction.REPORT, maxLineLength,
                new Delimiter(delimiter.getBytes(UTF_8)), "test");
        List<String> frames = new ArrayList<>();
        int offset = 0;
        for (int i = 0; offset < input.length; i++) {
            int size = Math.min(Math.max(1, pieceSizes[i % pieceSizes.length]), input.length - offset);
            framer.feed(input, offset, size);
            offset += size;
            for (String frame; (frame = framer.next()) != null; ) {
                frames.add(frame);
            }
        }
        framer.endOfInput();
        for (String frame; (frame = framer.next()) != null; ) {
            frames.add(frame);
        }
        return frames;
    }

    /** The meaning of a delimiter: split at each leftmost occurrence; a last non-empty rest is a frame. */
    static List<String> reference(String text, String delimiter) {
        List<String> frames = new ArrayList<>();
        int from = 0;
        for (int at; (at = text.indexOf(delimiter, from)) >= 0; from = at + delimiter.length()) {
            frames.add(text.substring(from, at));
        }
        if (from < text.length()) {
            frames.add(text.substring(from));
        }
        return frames;
    }

    @Provide
    Arbitrary<String[]> textAndDelimiter() {
        Arbitrary<String> delimiter = Arbitraries.of(DELIMITERS);
        return delimiter.flatMap(d -> {
            // pieces of the delimiter itself make partial and overlapping matches likely
            Arbitrary<String> pieces = Arbitraries.oneOf(
                    Arbitraries.strings().withChars("ab-EN\n\r").ofMinLength(0).ofMaxLength(6),
                    Arbitraries.of(d, d.substring(0, Math.max(1, d.length() / 2)), d.substring(d.length() / 2),
                            "\u00e9", "\uD83D\uDE00", "\0"));
            return pieces.list().ofMaxSize(40).map(list -> new String[] {String.join("", list), d});
        });
    }

    @Property(tries = 1000)
    void anyChunkingGivesTheSameFramesForEveryDelimiter(@ForAll("textAndDelimiter") String[] case_,
            @ForAll @IntRange(min = 1, max = 11) int first, @ForAll @IntRange(min = 1, max = 5) int second)
            throws Exception {
        String text = case_[0];
        String delimiter = case_[1];
        byte[] input = text.getBytes(UTF_8);
        List<String> expected = reference(text, delimiter);
        assertThat(frame(input, delimiter, new int[] {first, second}, NO_LIMIT)).isEqualTo(expected);
        assertThat(frame(input, delimiter, new int[] {1}, NO_LIMIT)).isEqualTo(expected);
        assertThat(frame(input, delimiter, new int[] {input.length + 1}, NO_LIMIT)).isEqualTo(expected);
    }

    @Provide
    Arbitrary<Object[]> limitedCase() {
        return Combinators.combine(textAndDelimiter(), Arbitraries.integers().between(1, 12))
                .as((c, limit) -> new Object[] {c[0], c[1], limit});
    }

    /**
     * With a limit, the frames before the first too-long one come out whatever the chunking, and
     * then the framer fails exactly when a frame passes the limit, never for a delimiter's bytes
     * that it could not yet tell from the frame's.
     */
    @Property(tries = 1000)
    void theLimitCountsFrameBytesOnlyWhateverTheChunking(@ForAll("limitedCase") Object[] case_,
            @ForAll @IntRange(min = 1, max = 7) int piece) throws Exception {
        String text = (String) case_[0];
        String delimiter = (String) case_[1];
        int limit = (Integer) case_[2];
        byte[] input = text.getBytes(UTF_8);
        List<String> all = reference(text, delimiter);
        int firstTooLong = -1;
        for (int i = 0; i < all.size(); i++) {
            if (all.get(i).getBytes(UTF_8).length > limit) {
                firstTooLong = i;
                break;
            }
        }
        for (int[] pieces : new int[][] {{piece}, {1}, {input.length + 1}}) {
            if (firstTooLong < 0) {
                assertThat(frame(input, delimiter, pieces, limit)).isEqualTo(all);
            } else {
                int expectedLine = firstTooLong + 1;
                assertThatThrownBy(() -> frame(input, delimiter, pieces, limit))
                        .isInstanceOf(LineTooLongException.class)
                        .hasMessageContaining("line " + expectedLine + " is longer");
            }
        }
    }

    @Test
    void nulSeparatedNamesAsFindPrint0WritesThem() throws Exception {
        byte[] input = "./a\0./b c\0./d\ne\0".getBytes(UTF_8);
        assertThat(frame(input, "\0", new int[] {3}, NO_LIMIT)).containsExactly("./a", "./b c", "./d\ne");
    }

    @Test
    void anExactCrLfLeavesLoneCrAndLfInTheFrame() throws Exception {
        byte[] input = "a\rb\nc\r\nd\r\r\n".getBytes(UTF_8);
        assertThat(frame(input, "\r\n", new int[] {1}, NO_LIMIT)).containsExactly("a\rb\nc", "d\r");
    }

    @Test
    void aFrameOfExactlyTheLimitWhoseDelimiterIsSplitIsAccepted() throws Exception {
        byte[] input = "12345--END--6".getBytes(UTF_8);
        for (int size = 1; size <= input.length; size++) {
            assertThat(frame(input, "--END--", new int[] {size}, 5)).as("pieces of %d", size)
                    .containsExactly("12345", "6");
        }
    }

    @Test
    void theWordAtATimeSearchFindsEveryPosition() {
        Delimiter nul = new Delimiter(new byte[] {0});
        Delimiter two = new Delimiter(new byte[] {(byte) 0x80, 0x01});
        for (int length = 0; length <= 24; length++) {
            for (int at = 0; at < length; at++) {
                byte[] bytes = new byte[length];
                java.util.Arrays.fill(bytes, (byte) 0x81); // high bit set: no false zero byte
                bytes[at] = 0;
                assertThat(nul.indexOf(bytes, 0, length)).isEqualTo(at);
                assertThat(nul.indexOf(bytes, at + 1, length)).isEqualTo(-1);
                java.util.Arrays.fill(bytes, (byte) 0x80);
                bytes[at] = 0x01;
                assertThat(two.indexOf(bytes, 0, length)).isEqualTo(at == 0 ? -1 : at - 1);
            }
        }
    }
}
