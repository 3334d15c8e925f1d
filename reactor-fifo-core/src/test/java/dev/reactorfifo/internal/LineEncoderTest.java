package dev.reactorfifo.internal;

import static java.nio.charset.StandardCharsets.ISO_8859_1;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.CharacterCodingException;
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
