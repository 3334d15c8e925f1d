package dev.reactorfifo.internal;

import java.util.Queue;
import org.jspecify.annotations.Nullable;

/**
 * Keeps a chunk that a sink's writer took from the sink's stage in its place among the chunks
 * the sink queued: after every chunk queued before it was made ({@link LineChunk#seq}), before
 * every chunk queued after the take. The queue alone cannot tell: the emitting thread may queue
 * a chunk between the writer's look at an empty queue and its take, and more after the take.
 * Owned by the writer's drain; pure.
 */
final class ChunkSequence {

    private @Nullable LineChunk taken;
    private long polled;

    /** @param chunk taken from the stage; handed out by {@link #next} in its place */
    void taken(LineChunk chunk) {
        taken = chunk;
    }

    /** @return the next chunk in the sink's order, or null if there is none now */
    @Nullable Object next(Queue<?> queue) {
        LineChunk t = taken;
        if (t != null && polled >= t.seq) {
            taken = null;
            return t;
        }
        Object element = queue.poll();
        if (element == null) {
            taken = null; // (not reached with t set: the chunks before it were queued before it was made)
            return t;
        }
        polled++;
        return element;
    }

    /** Drops a taken chunk: the writer ended. */
    void clear() {
        taken = null;
    }
}
