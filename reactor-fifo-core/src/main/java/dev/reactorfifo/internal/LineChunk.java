package dev.reactorfifo.internal;

/**
 * Whole lines, each followed by its delimiter, encoded and staged as one record: the writer never
 * splits it, so with atomic writes a chunk of at most {@code PIPE_BUF} bytes goes into one
 * {@code write(2)}. A {@link BoundedFifoSink}'s emitting thread stages into one while it holds it
 * and never changes it once handed over (the hand-over is a release store, a compare-and-set or a
 * queue, which publish it); {@code writeLines}' drain stages its lines in one too.
 */
final class LineChunk {

    /**
     * A sink's chunk: how many chunks the sink had handed over to the writer's queue when this one
     * was made; the writer writes it after exactly that many, also when it takes it from the
     * stage rather than from the queue. 0 for a stage of {@code writeLines}, which has no queue of
     * chunks.
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
