package dev.reactorfifo.internal;

/**
 * Whole lines, each followed by its delimiter, that a {@link BoundedFifoSink}'s emitting thread
 * encoded and staged, handed to the writer as one record: the writer never splits it, so with
 * atomic writes a chunk of at most {@code PIPE_BUF} bytes goes into one {@code write(2)}.
 * Appended to by the sink's emitting side only while it holds the chunk; never changed once
 * handed over (the hand-over is a volatile write or a compare-and-set, which publishes it).
 */
final class LineChunk {

    /**
     * How many chunks the sink had handed over to the writer's queue when this one was made: the
     * writer writes this one after exactly that many, also when it takes it from the stage
     * rather than from the queue.
     */
    final long seq;
    byte[] bytes;
    /** The chunk is {@code bytes[0, length)}. */
    int length;
    int lines;

    /** An empty chunk in {@code bytes}. */
    LineChunk(byte[] bytes, long seq) {
        this.bytes = bytes;
        this.seq = seq;
    }

    /**
     * Appends a line and its delimiter, growing the array by doubling, up to {@code limit} or the
     * size needed.
     *
     * @param needed {@code line.length + delimiter.length}
     */
    void append(byte[] line, byte[] delimiter, int needed, int limit) {
        int end = length + needed;
        if (end > bytes.length) {
            byte[] grown = new byte[Math.max(end, Math.min(Math.max(limit, end), bytes.length * 2))];
            System.arraycopy(bytes, 0, grown, 0, length);
            bytes = grown;
        }
        System.arraycopy(line, 0, bytes, length, line.length);
        if (delimiter.length == 1) {
            bytes[length + line.length] = delimiter[0];
        } else {
            System.arraycopy(delimiter, 0, bytes, length + line.length, delimiter.length);
        }
        length = end;
        lines++;
    }
}
