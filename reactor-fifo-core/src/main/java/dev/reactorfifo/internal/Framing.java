package dev.reactorfifo.internal;

import java.io.IOException;
import java.nio.ByteBuffer;
import org.jspecify.annotations.Nullable;

/**
 * What a read subscription makes of the bytes it reads: lines ({@link LineFraming}) or the
 * chunks themselves ({@link ChunkFraming}). Used by one drain thread at a time; not thread-safe.
 *
 * @param <T> the elements
 */
interface Framing<T> {

    /**
     * Takes the {@code n} bytes that {@code read(2)} put at the start of {@code read}, a pooled
     * buffer the caller reuses: whatever is kept is copied. Called only when {@link #isDrained()}.
     */
    void feed(ByteBuffer read, int n);

    /** @return the next element of what was fed, or {@code null} until more is fed */
    @Nullable T next() throws IOException;

    /** The writer's EOF: a last partial element, if any, is what {@link #next()} returns next. */
    void endOfInput();

    /** @return whether {@link #next()} would return {@code null} without more input */
    boolean isDrained();

    /**
     * The drain ends: gives back what was borrowed for it, unless it still holds elements the
     * subscriber has not asked for yet.
     *
     * @param done the subscription is over: give everything back
     */
    void giveBack(boolean done);

    /** The subscription is over on another path (cancel, error): drops what is held. */
    void discard();
}
