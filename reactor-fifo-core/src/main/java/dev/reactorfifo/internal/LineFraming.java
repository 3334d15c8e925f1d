package dev.reactorfifo.internal;

import dev.reactorfifo.ReadOptions;
import java.io.IOException;
import java.nio.ByteBuffer;
import org.jspecify.annotations.Nullable;

/**
 * Lines, or elements between exact delimiters, by a {@link LineFramer} that scans a heap copy of
 * each read in place: the copy is borrowed from the {@link BufferPool} and kept past a drain only
 * while it still holds lines nobody asked for yet.
 */
final class LineFraming implements Framing<String> {

    private final LineFramer framer;
    private final BufferPool arrays;
    private byte @Nullable [] chunk;

    LineFraming(ReadOptions options, String path) {
        Delimiter delimiter = options.delimiter()
                .map(d -> new Delimiter(Delimiter.encode(d, options.charset())))
                .orElse(null);
        this.framer = new LineFramer(options.charset(), options.malformedInput(), options.maxLineLength(),
                delimiter, path);
        this.arrays = BufferPool.ofSize(options.readBufferSize());
    }

    @Override
    public void feed(ByteBuffer read, int n) {
        byte[] c = chunk;
        if (c == null) {
            c = arrays.borrowArray();
            chunk = c;
        }
        read.get(0, c, 0, n);
        framer.feed(c, 0, n);
    }

    @Override
    public @Nullable String next() throws IOException {
        return framer.next();
    }

    @Override
    public void endOfInput() {
        framer.endOfInput();
    }

    @Override
    public boolean isDrained() {
        return framer.isDrained();
    }

    @Override
    public void giveBack(boolean done) {
        byte[] c = chunk;
        if (c != null && (done || framer.isChunkConsumed())) {
            chunk = null;
            arrays.giveBack(c);
        }
    }

    @Override
    public void discard() {
        byte[] c = chunk;
        chunk = null;
        if (c != null && framer.isChunkConsumed()) {
            arrays.giveBack(c); // the framer holds no reference to it any more
        }
    }
}
