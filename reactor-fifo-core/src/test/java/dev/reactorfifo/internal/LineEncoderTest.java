package dev.reactorfifo.internal;

import static java.nio.charset.StandardCharsets.ISO_8859_1;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.CharacterCodingException;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.junit.jupiter.api.Test;

class LineEncoderTest {

    @Test
    void encodesAsciiAndMultiByteText() throws Exception {
        LineEncoder encoder = new LineEncoder(UTF_8, "p");
        assertThat(encoder.encode("plain", 1)).isEqualTo("plain".getBytes(UTF_8));
        String text = "gr\u00fc\u00dfe \u20ac \uD83D\uDE00";
        assertThat(encoder.encode(text, 1)).isEqualTo(text.getBytes(UTF_8));
        assertThat(encoder.encode("", 1)).isEmpty();
    }

    @Test
    void refusesTerminatorsInsideALine() {
        LineEncoder encoder = new LineEncoder(UTF_8, "/tmp/p");
        assertThatThrownBy(() -> encoder.encode("two\nlines", 7))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("/tmp/p: line 7 contains \\n at index 3, which would split it into several lines at the reader");
        assertThatThrownBy(() -> encoder.encode("carriage\rreturn", 1))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("contains \\r");
    }

    @Test
    void refusesALoneSurrogateInsteadOfWritingAQuestionMark() throws Exception {
        LineEncoder encoder = new LineEncoder(UTF_8, "p");
        assertThatThrownBy(() -> encoder.encode("bad \uD83D here", 2))
                .isInstanceOf(CharacterCodingException.class)
                .hasMessage("p: line 2 has a character at index 4 that UTF-8 cannot encode");
        assertThatThrownBy(() -> encoder.encode("\uDE00", 2)).isInstanceOf(CharacterCodingException.class);
        assertThatThrownBy(() -> encoder.encode("why?\uDE00", 2)).isInstanceOf(CharacterCodingException.class);
        assertThat(encoder.encode("why?", 1)).isEqualTo("why?".getBytes(UTF_8));
        assertThatThrownBy(() -> encoder.encode("?a=1&b=?\uD800", 3)).as("one byte per character: looked up at each '?'")
                .hasMessage("p: line 3 has a character at index 8 that UTF-8 cannot encode");
        assertThatThrownBy(() -> encoder.encode("\u00e9?\uDC00?", 3)).as("multi-byte characters: every character checked")
                .hasMessage("p: line 3 has a character at index 2 that UTF-8 cannot encode");
        assertThat(encoder.encode("\uD83D\uDE00?", 1)).isEqualTo("\uD83D\uDE00?".getBytes(UTF_8));
    }

    /**
     * The encoder's cheap filter and its exact checks together refuse exactly the lines a
     * character-by-character check refuses, at every length around the filter's 8-byte words and
     * with its false positives (a tab, other control bytes) among the characters.
     */
    @Property(tries = 2000)
    void acceptsExactlyTheLinesWithoutTerminatorsOrLoneSurrogates(@ForAll("lines") String line) throws Exception {
        LineEncoder encoder = new LineEncoder(UTF_8, "p");
        boolean writable = true;
        for (int i = 0; i < line.length(); i++) {
            char c = line.charAt(i);
            if (c == '\n' || c == '\r') {
                writable = false;
            } else if (Character.isHighSurrogate(c) && i + 1 < line.length() && Character.isLowSurrogate(line.charAt(i + 1))) {
                i++;
            } else if (Character.isSurrogate(c)) {
                writable = false;
            }
        }
        if (writable) {
            assertThat(encoder.encode(line, 1)).isEqualTo(line.getBytes(UTF_8));
        } else {
            assertThatThrownBy(() -> encoder.encode(line, 1))
                    .isInstanceOfAny(IllegalArgumentException.class, CharacterCodingException.class);
        }
    }

    @Provide
    Arbitrary<String> lines() {
        Arbitrary<Character> common = Arbitraries.of('a', 'Z', ' ', '0', '=');
        Arbitrary<Character> rare = Arbitraries.of('?', '\t', '\n', '\r', '\u000b', '\u000e', '\0', '\u00e9',
                '\u20ac', '\uD83D', '\uDE00', '>', '@');
        return Arbitraries.frequencyOf(net.jqwik.api.Tuple.of(12, common), net.jqwik.api.Tuple.of(1, rare))
                .list().ofMaxSize(40)
                .map(chars -> {
                    StringBuilder b = new StringBuilder();
                    chars.forEach(b::append);
                    return b.toString();
                });
    }

    @Test
    void refusesCharactersOutsideASingleByteCharset() throws Exception {
        LineEncoder encoder = new LineEncoder(ISO_8859_1, "p");
        assertThat(encoder.encode("caf\u00e9", 1)).containsExactly('c', 'a', 'f', 0xE9);
        assertThatThrownBy(() -> encoder.encode("\u20ac", 3))
                .isInstanceOf(CharacterCodingException.class)
                .hasMessage("p: line 3 has a character that ISO-8859-1 cannot encode");
    }

    @Test
    void withAnotherDelimiterOnlyWhatTheReaderWouldSplitIsRefused() throws Exception {
        LineEncoder nul = new LineEncoder(UTF_8, "\0", "p");
        assertThat(nul.encode("a\nb\rc", 1)).as("newlines are data now").hasSize(5);
        assertThat(nul.delimiterBytes()).containsExactly(0);
        assertThatThrownBy(() -> nul.encode("a\0", 4)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("p: line 4 contains the delimiter \"\\0\" at index 1, which would split it at the reader");
        LineEncoder overlapping = new LineEncoder(UTF_8, "abab", "p");
        assertThat(overlapping.encode("b", 1)).hasSize(1);
        assertThat(overlapping.encode("aba", 1)).as("\"aba\" + \"abab\": the first \"abab\" starts at 3").hasSize(3);
        assertThatThrownBy(() -> overlapping.encode("xab", 2)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("with the delimiter written after it, at index 1");
    }
}
