package dev.reactorfifo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import reactor.core.scheduler.Schedulers;

class OptionsTest {

    @Test
    void readOptionsWithersReturnCopies() {
        ReadOptions defaults = ReadOptions.defaults();
        ReadOptions changed = defaults.follow(true).maxLineLength(10).charset(StandardCharsets.ISO_8859_1)
                .malformedInput(CodingErrorAction.REPORT).scheduler(Schedulers.immediate()).readBufferSize(4096);
        assertThat(defaults.follow()).isFalse();
        assertThat(defaults.maxLineLength()).isEqualTo(1 << 20);
        assertThat(defaults.charset()).isEqualTo(StandardCharsets.UTF_8);
        assertThat(defaults.malformedInput()).isEqualTo(CodingErrorAction.REPLACE);
        assertThat(defaults.scheduler()).isSameAs(Schedulers.boundedElastic());
        assertThat(changed.follow()).isTrue();
        assertThat(changed.maxLineLength()).isEqualTo(10);
        assertThat(changed.charset()).isEqualTo(StandardCharsets.ISO_8859_1);
        assertThat(changed.malformedInput()).isEqualTo(CodingErrorAction.REPORT);
        assertThat(changed.scheduler()).isSameAs(Schedulers.immediate());
        assertThat(changed.readBufferSize()).isEqualTo(4096);
        assertThat(changed).isEqualTo(defaults.follow(true).maxLineLength(10).charset(StandardCharsets.ISO_8859_1)
                .malformedInput(CodingErrorAction.REPORT).scheduler(Schedulers.immediate()).readBufferSize(4096));
        assertThat(changed.toString()).contains("follow=true", "maxLineLength=10");
    }

    @Test
    void readOptionsRefuseWhatCannotWork() {
        ReadOptions d = ReadOptions.defaults();
        assertThatThrownBy(() -> d.charset(StandardCharsets.UTF_16)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("not ASCII-compatible");
        assertThatThrownBy(() -> d.charset(java.nio.charset.Charset.forName("UTF-32")))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> d.maxLineLength(0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> d.malformedInput(CodingErrorAction.IGNORE))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("REPLACE or REPORT");
        assertThatThrownBy(() -> d.readBufferSize(10)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> d.scheduler(null)).isInstanceOf(NullPointerException.class).hasMessage("scheduler");
    }

    @Test
    void writeOptionsWithersReturnCopies() {
        WriteOptions defaults = WriteOptions.defaults();
        WriteOptions changed = defaults.awaitReader(false).atomicWrites(false).bufferSize(7)
                .charset(StandardCharsets.US_ASCII).scheduler(Schedulers.immediate());
        assertThat(defaults.awaitReader()).isTrue();
        assertThat(defaults.atomicWrites()).isTrue();
        assertThat(defaults.bufferSize()).isEqualTo(1024);
        assertThat(defaults.charset()).isEqualTo(StandardCharsets.UTF_8);
        assertThat(changed.awaitReader()).isFalse();
        assertThat(changed.atomicWrites()).isFalse();
        assertThat(changed.bufferSize()).isEqualTo(7);
        assertThat(changed.charset()).isEqualTo(StandardCharsets.US_ASCII);
        assertThat(changed.scheduler()).isSameAs(Schedulers.immediate());
        assertThat(changed).isNotEqualTo(defaults).hasSameHashCodeAs(defaults.awaitReader(false).atomicWrites(false)
                .bufferSize(7).charset(StandardCharsets.US_ASCII).scheduler(Schedulers.immediate()));
    }

    @Test
    void writeOptionsRefuseWhatCannotWork() {
        assertThatThrownBy(() -> WriteOptions.defaults().charset(StandardCharsets.UTF_16LE))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> WriteOptions.defaults().bufferSize(0)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void delimitersAreOptionsLikeTheOthers() {
        ReadOptions read = ReadOptions.defaults().delimiter("\0");
        assertThat(ReadOptions.defaults().delimiter()).isEmpty();
        assertThat(read.delimiter()).contains("\0");
        assertThat(read).isEqualTo(ReadOptions.defaults().delimiter("\0")).isNotEqualTo(ReadOptions.defaults());
        assertThat(read.toString()).contains("delimiter=\"\\0\"");
        WriteOptions write = WriteOptions.defaults().delimiter("\r\n");
        assertThat(WriteOptions.defaults().delimiter()).isEqualTo("\n");
        assertThat(write.delimiter()).isEqualTo("\r\n");
        assertThat(write).isEqualTo(WriteOptions.defaults().delimiter("\r\n")).isNotEqualTo(WriteOptions.defaults());
        assertThat(write.toString()).contains("delimiter=\"\\r\\n\"");
    }

    @Test
    void aDelimiterMustBeNonEmptyAndEncodableInTheCharset() {
        assertThatThrownBy(() -> ReadOptions.defaults().delimiter("")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("at least one character");
        assertThatThrownBy(() -> WriteOptions.defaults().delimiter("")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> ReadOptions.defaults().charset(StandardCharsets.US_ASCII).delimiter("\u20ac"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("cannot be encoded in US-ASCII");
        assertThatThrownBy(() -> WriteOptions.defaults().delimiter("\u20ac").charset(StandardCharsets.US_ASCII))
                .as("checked again when the charset changes").isInstanceOf(IllegalArgumentException.class);
        java.nio.charset.Charset shiftJis = java.nio.charset.Charset.forName("Shift_JIS");
        assertThatThrownBy(() -> ReadOptions.defaults().charset(shiftJis).delimiter("|"))
                .as("0x7C is the second byte of \u30dd in Shift_JIS").isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("part of a two-byte character in Shift_JIS");
        assertThat(ReadOptions.defaults().charset(shiftJis).delimiter("\0").delimiter()).contains("\0");
        assertThatThrownBy(() -> ReadOptions.defaults().delimiter(null)).isInstanceOf(NullPointerException.class)
                .hasMessage("delimiter");
    }
}
