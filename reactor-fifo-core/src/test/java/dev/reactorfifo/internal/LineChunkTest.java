package dev.reactorfifo.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class LineChunkTest {

    @Test
    void appendsEachLineWithItsDelimiterGrowingItsArrayByDoublingUpToTheLimit() {
        LineChunk chunk = new LineChunk(new byte[2], 0);
        chunk.append("abc".getBytes(StandardCharsets.US_ASCII), new byte[] {'\r', '\n'}, 5, 6);
        assertThat(chunk.bytes).as("grown to the line, past the doubling").hasSize(5);
        chunk.append("d".getBytes(StandardCharsets.US_ASCII), new byte[] {'\n'}, 2, 6);
        assertThat(chunk.bytes).as("doubled, but not past the limit").hasSize(7);
        assertThat(new String(chunk.bytes, 0, chunk.length, StandardCharsets.US_ASCII)).isEqualTo("abc\r\nd\n");
        assertThat(chunk.lines).isEqualTo(2);
    }
}
