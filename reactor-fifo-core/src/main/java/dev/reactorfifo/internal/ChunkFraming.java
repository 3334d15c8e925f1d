package dev.reactorfifo.internal;

import java.nio.ByteBuffer;
import org.jspecify.annotations.Nullable;

/**
 * The bytes as they were read: one element per {@code read(2)}, a fresh heap buffer of exactly
 * the bytes read that the subscriber owns (position 0, limit at its end), never reused.
 */
final class ChunkFraming implements Framing<ByteBuffer> {

    /** The chunk read and not yet emitted: at most one, so a subscriber without demand holds up one read. */
    private @Nullable ByteBuffer pending;

    @Override
    public void feed(ByteBuffer read, int n) {
        ByteBuffer copy = ByteBuffer.allocate(n);
        copy.put(0, read, 0, n);
        pending = copy;
    }

    @Override
    public @Nullable ByteBuffer next() {
        ByteBuffer chunk = pending;
        pending = null;
        return chunk;
    }

    @Override
    public void endOfInput() {
        // a chunk is whole as read: nothing waits for more bytes
    }

    @Override
    public boolean isDrained() {
        return pending == null;
    }

    @Override
    public void giveBack(boolean done) {
        if (done) {
            pending = null;
        }
    }

    @Override
    public void discard() {
        pending = null;
    }
}
