package dev.reactorfifo.internal;

import static java.nio.charset.StandardCharsets.ISO_8859_1;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.reactorfifo.LineTooLongException;
import dev.reactorfifo.MalformedLineException;
import java.io.BufferedReader;
import java.io.ByteArrayInputStream;
import java.io.InputStreamReader;
import java.nio.ByteBuffer;
import java.nio.charset.Charset;
import java.nio.charset.CodingErrorAction;
import java.util.ArrayList;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;

class LineFramerTest {

    private static final int NO_LIMIT = Integer.MAX_VALUE;

    /** Frames {@code input} fed in pieces of the given sizes (cycled), to the end of input. */
    static List<String> frame(byte[] input, int[] pieceSizes, int maxLineLength, Charset charset,
            CodingErrorAction action) throws Exception {
        LineFramer framer = new LineFramer(charset, action, maxLineLength, "test");
        List<String> lines = new ArrayList<>();
        int offset = 0;
        for (int i = 0; offset < input.length; i++) {
            int size = Math.min(Math.max(1, pieceSizes[i % pieceSizes.length]), input.length - offset);
            framer.feed(input, offset, size);
            offset += size;
            for (String line; (line = framer.next()) != null; ) {
                lines.add(line);
            }
        }
        framer.endOfInput();
        for (String line; (line = framer.next()) != null; ) {
            lines.add(line);
        }
        return lines;
    }

    static List<String> frame(String input, int... pieceSizes) throws Exception {
        return frame(input.getBytes(UTF_8), pieceSizes, NO_LIMIT, UTF_8, CodingErrorAction.REPLACE);
    }

    /** The behaviour the framer promises to match. */
    static List<String> bufferedReaderLines(byte[] input, Charset charset) throws Exception {
        List<String> lines = new ArrayList<>();
        try (BufferedReader r = new BufferedReader(new InputStreamReader(new ByteArrayInputStream(input), charset))) {
            for (String line; (line = r.readLine()) != null; ) {
                lines.add(line);
            }
        }
        return lines;
    }

    @Test
    void splitsOnEveryTerminatorLikeBufferedReader() throws Exception {
        assertThat(frame("a\nb\r\nc\rd", 64)).containsExactly("a", "b", "c", "d");
    }

    @Test
    void keepsEmptyLinesAndDropsNothingAtTheEnd() throws Exception {
        assertThat(frame("\n\na\n\n", 64)).containsExactly("", "", "a", "");
        assertThat(frame("", 64)).isEmpty();
        assertThat(frame("\r\r\n\r", 64)).containsExactly("", "", "");
    }

    @Test
    void crAtTheEndOfOneChunkAndLfAtTheStartOfTheNextAreOneTerminator() throws Exception {
        assertThat(frame("ab\r\ncd\r\n", 3)).containsExactly("ab", "cd");
        assertThat(frame("ab\r\ncd", 3, 1, 64)).containsExactly("ab", "cd");
    }

    @Test
    void emitsALoneCrLineWithoutWaitingForTheNextChunk() throws Exception {
        LineFramer framer = new LineFramer(UTF_8, CodingErrorAction.REPLACE, 100, "test");
        byte[] chunk = "ready\r".getBytes(UTF_8);
        framer.feed(chunk, 0, chunk.length);
        assertThat(framer.next()).isEqualTo("ready");
    }

    @Test
    void aLineFeedAfterEndOfInputBelongsToTheNextWriter() throws Exception {
        LineFramer framer = new LineFramer(UTF_8, CodingErrorAction.REPLACE, 100, "test");
        framer.feed("one\r".getBytes(UTF_8), 0, 4);
        assertThat(framer.next()).isEqualTo("one");
        assertThat(framer.next()).isNull();
        framer.endOfInput();
        framer.feed("\ntwo\n".getBytes(UTF_8), 0, 5);
        assertThat(framer.next()).isEmpty();
        assertThat(framer.next()).isEqualTo("two");
    }

    @Test
    void emitsTheUnterminatedFragmentAtEndOfInputAndStartsAfresh() throws Exception {
        LineFramer framer = new LineFramer(UTF_8, CodingErrorAction.REPLACE, 100, "test");
        framer.feed("done\npart".getBytes(UTF_8), 0, 9);
        assertThat(framer.next()).isEqualTo("done");
        assertThat(framer.next()).isNull();
        assertThat(framer.isDrained()).isTrue();
        framer.endOfInput();
        assertThat(framer.isDrained()).isFalse();
        assertThat(framer.next()).isEqualTo("part");
        assertThat(framer.next()).isNull();
        framer.feed("next\n".getBytes(UTF_8), 0, 5);
        assertThat(framer.next()).as("not glued to the fragment").isEqualTo("next");
        assertThat(framer.lineNumber()).isEqualTo(3);
    }

    @Test
    void decodesMultiByteCharactersSplitAcrossChunks() throws Exception {
        String text = "h\u00e9llo w\u00f6rld \u20ac \uD83D\uDE00\nzweite Zeile \u00fc\n";
        for (int size = 1; size <= 8; size++) {
            assertThat(frame(text, size)).as("chunks of %d bytes", size)
                    .containsExactly("h\u00e9llo w\u00f6rld \u20ac \uD83D\uDE00", "zweite Zeile \u00fc");
        }
    }

    @Test
    void keepsNulBytes() throws Exception {
        assertThat(frame("a\0b\n\0\n", 2)).containsExactly("a\0b", "\0");
    }

    @Test
    void replacesMalformedInputByDefault() throws Exception {
        byte[] input = {'o', 'k', '\n', (byte) 0xC3, '\n', (byte) 0xFF, 'x', '\n'};
        assertThat(frame(input, new int[] {3}, NO_LIMIT, UTF_8, CodingErrorAction.REPLACE))
                .containsExactly("ok", "\uFFFD", "\uFFFDx");
    }

    @Test
    void reportsMalformedInputWithTheLineNumber() {
        byte[] input = {'o', 'k', '\n', 'f', 'i', 'n', 'e', '\n', 'b', (byte) 0xFF, '\n'};
        assertThatThrownBy(() -> frame(input, new int[] {4}, NO_LIMIT, UTF_8, CodingErrorAction.REPORT))
                .isInstanceOf(MalformedLineException.class)
                .hasMessageContaining("test: line 3 is not valid UTF-8")
                .satisfies(e -> assertThat(((MalformedLineException) e).lineNumber()).isEqualTo(3));
    }

    @Test
    void decodesOtherAsciiCompatibleCharsets() throws Exception {
        byte[] latin1 = {'c', 'a', 'f', (byte) 0xE9, '\n'};
        assertThat(frame(latin1, new int[] {2}, NO_LIMIT, ISO_8859_1, CodingErrorAction.REPORT))
                .containsExactly("caf\u00e9");
    }

    @Test
    void refusesCharsetsThatAreNotAsciiCompatible() {
        assertThatThrownBy(() -> new LineFramer(java.nio.charset.StandardCharsets.UTF_16,
                CodingErrorAction.REPLACE, 10, "test"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("UTF-16 is not ASCII-compatible");
    }

    @Test
    void acceptsALineOfExactlyTheLimitAndRefusesOneByteMore() throws Exception {
        byte[] ok = "12345\n".getBytes(UTF_8);
        assertThat(frame(ok, new int[] {64}, 5, UTF_8, CodingErrorAction.REPLACE)).containsExactly("12345");
        byte[] tooLong = "123456\n".getBytes(UTF_8);
        assertThatThrownBy(() -> frame(tooLong, new int[] {64}, 5, UTF_8, CodingErrorAction.REPLACE))
                .isInstanceOf(LineTooLongException.class)
                .hasMessageContaining("line 1 is longer than maxLineLength (5 bytes)");
    }

    @Test
    void failsOnAnEndlessLineWithoutBufferingMoreThanTheLimit() throws Exception {
        LineFramer framer = new LineFramer(UTF_8, CodingErrorAction.REPLACE, 1000, "endless");
        byte[] chunk = new byte[300];
        int fed = 0;
        try {
            for (; fed < 10_000; fed += 300) {
                framer.feed(chunk, 0, 300);
                assertThat(framer.next()).isNull();
            }
        } catch (LineTooLongException e) {
            assertThat(e.maxLineLength()).isEqualTo(1000);
        }
        assertThat(fed).as("bytes accepted before failing").isEqualTo(900);
    }

    @Provide
    Arbitrary<String> text() {
        // ASCII, Latin-1, 3-byte and 4-byte (surrogate pair) characters mixed with all terminators
        Arbitrary<String> pieces = Arbitraries.oneOf(
                Arbitraries.strings().withChars("abcxyz 019?").ofMinLength(0).ofMaxLength(12),
                Arbitraries.of("\n", "\r", "\r\n", "\n\r", "\u00e9", "\u20ac", "\uD83D\uDE00", "\0"));
        return pieces.list().ofMaxSize(60).map(list -> String.join("", list));
    }

    @Property(tries = 400)
    void anyChunkingGivesTheLinesBufferedReaderGives(@ForAll("text") String text,
            @ForAll @IntRange(min = 1, max = 17) int first, @ForAll @IntRange(min = 1, max = 9) int second)
            throws Exception {
        byte[] input = text.getBytes(UTF_8);
        List<String> expected = bufferedReaderLines(input, UTF_8);
        assertThat(frame(input, new int[] {first, second}, NO_LIMIT, UTF_8, CodingErrorAction.REPORT))
                .isEqualTo(expected);
        assertThat(frame(input, new int[] {input.length + 1}, NO_LIMIT, UTF_8, CodingErrorAction.REPLACE))
                .isEqualTo(expected);
    }

    @Property(tries = 300)
    void theWordAtATimeScanFindsWhatAByteScanFinds(@ForAll("text") String text,
            @ForAll @IntRange(min = 0, max = 20) int from) {
        byte[] bytes = text.getBytes(UTF_8);
        int start = Math.min(from, bytes.length);
        int naive = -1;
        for (int i = start; i < bytes.length; i++) {
            if (bytes[i] == '\n' || bytes[i] == '\r') {
                naive = i;
                break;
            }
        }
        assertThat(Terminators.indexOf(bytes, start, bytes.length)).isEqualTo(naive);
        int naiveWithQuestionMark = -1;
        for (int i = start; i < bytes.length; i++) {
            if (bytes[i] == '\n' || bytes[i] == '\r' || bytes[i] == '?') {
                naiveWithQuestionMark = i;
                break;
            }
        }
        assertThat(Terminators.indexOfTerminatorOrQuestionMark(bytes, start, bytes.length))
                .isEqualTo(naiveWithQuestionMark);
    }

    @Test
    void theWordAtATimeScanHandlesEveryPositionAndHighBytes() {
        for (int length = 0; length <= 24; length++) {
            for (int at = 0; at < length; at++) {
                byte[] bytes = new byte[length];
                java.util.Arrays.fill(bytes, (byte) 0x8B); // 0x8B - 0x01 borrows into nothing; high bit set
                bytes[at] = (byte) (at % 2 == 0 ? '\n' : '\r');
                assertThat(Terminators.indexOf(bytes, 0, length)).isEqualTo(at);
                assertThat(Terminators.indexOf(bytes, at + 1, length)).isEqualTo(-1);
            }
        }
        byte[] nearMisses = {0x0B, 0x09, 0x0C, 0x0E, 0x1A, (byte) 0x8A, (byte) 0x8D, 0x00, 0x0A};
        assertThat(Terminators.indexOf(nearMisses, 0, nearMisses.length)).isEqualTo(8);
    }

    @Test
    void theWritersFilterFlagsEveryCandidateByteAtEveryPositionAndNothingElse() {
        for (int length = 0; length <= 24; length++) {
            for (byte background : new byte[] {'A', (byte) 0x8B, (byte) 0xFF, 0x0E, '>', '@'}) {
                byte[] clean = new byte[length];
                java.util.Arrays.fill(clean, background);
                assertThat(Terminators.mayHoldTerminatorOrQuestionMark(clean)).as("length %d of 0x%02x", length, background)
                        .isFalse();
                // one byte changed in a clean background: the filter is exact there (its false
                // positives only sit next to a true candidate)
                for (int at = 0; at < length; at++) {
                    for (int value = -128; value < 128; value++) {
                        byte[] bytes = clean.clone();
                        bytes[at] = (byte) value;
                        boolean candidate = (value >= 0 && value < 0x0E) || value == '?';
                        if (Terminators.mayHoldTerminatorOrQuestionMark(bytes) != candidate) {
                            throw new AssertionError(String.format("0x%02x at %d of %d in 0x%02x: flagged %s",
                                    value & 0xFF, at, length, background & 0xFF, !candidate));
                        }
                    }
                }
            }
        }
    }
}
