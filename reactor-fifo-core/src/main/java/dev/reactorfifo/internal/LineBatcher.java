package dev.reactorfifo.internal;

import java.nio.ByteBuffer;
import java.util.Arrays;

/**
 * Packs records (chunks of delimited lines, or buffers of bytes as they are) into one buffer cut
 * into segments, each segment one future {@code write(2)}: whole records only, and at most
 * {@code segmentLimit} bytes unless it holds a single longer record. With
 * {@code segmentLimit = PIPE_BUF} every segment is written atomically, so records of concurrent
 * writers never interleave.
 *
 * <p>Why segments in one large buffer rather than one small buffer per write: writing a segment
 * as soon as it fills leaves encoding work between the writes, so a fast reader drains the pipe
 * after every write and each write pays for waking it. Staging up to a pipe-full and then
 * writing the segments back to back lets the reader find whole pipe-fulls.
 *
 * <p>The buffer is lent by the caller ({@link #lend}) while lines are staged and taken back
 * ({@link #takeBack}) once everything is written, so an idle writer holds none. Pure and not
 * thread-safe.
 */
public final class LineBatcher {

    private static final ByteBuffer NONE = ByteBuffer.allocateDirect(0);

    private final int capacity;
    private final int segmentLimit;
    private ByteBuffer buffer = NONE;
    private int length;
    /** End offset and line count of each closed segment; the open one runs from the last end. */
    private static final int[] NO_SEGMENTS = new int[0];
    /** Grown on the first segment, so that an idle writer holds none. */
    private int[] segmentEnds = NO_SEGMENTS;
    private int[] segmentLines = NO_SEGMENTS;
    private int segments;
    private int openSegmentLines;
    /** Next segment to write. */
    private int cursor;
    private int pendingLines;

    /**
     * @param capacity the size of the buffers that will be lent; a longer record cannot be batched
     * @param segmentLimit the largest write that keeps records whole (PIPE_BUF for atomic writes)
     */
    public LineBatcher(int capacity, int segmentLimit) {
        this.capacity = capacity;
        this.segmentLimit = Math.min(segmentLimit, capacity);
    }

    /** @return the size of the buffers to lend */
    public int capacity() {
        return capacity;
    }

    /** @return whether a buffer is lent now */
    public boolean hasBuffer() {
        return buffer != NONE;
    }

    /** Lends the buffer to stage lines in: direct, of {@link #capacity()} bytes. */
    public void lend(ByteBuffer buffer) {
        if (hasBuffer() || buffer.capacity() != capacity) {
            throw new IllegalStateException("a buffer is lent already, or it is not " + capacity + " bytes");
        }
        this.buffer = buffer;
    }

    /**
     * @return the lent buffer, which the batcher no longer uses
     * @throws IllegalStateException if lines are still staged in it
     */
    public ByteBuffer takeBack() {
        if (!isEmpty()) {
            throw new IllegalStateException("lines are still staged");
        }
        ByteBuffer b = buffer;
        buffer = NONE;
        return b;
    }

    /** @return the buffer holding the segments, from index 0 */
    public ByteBuffer buffer() {
        return buffer;
    }

    /**
     * Appends the remaining bytes of {@code record}, which is not changed (its position stays).
     *
     * @return false if the buffer has no room left for it: write the segments, then add again
     */
    public boolean add(ByteBuffer record) {
        int size = record.remaining();
        if (!makeRoom(size)) {
            return false;
        }
        buffer.put(length, record, record.position(), size);
        added(size, 1);
        return true;
    }

    /**
     * Appends a chunk of delimited lines as one record, counting its lines.
     *
     * @return false if the buffer has no room left for it: write the segments, then add again
     */
    boolean add(LineChunk chunk) {
        if (!makeRoom(chunk.length)) {
            return false;
        }
        buffer.put(length, chunk.bytes, 0, chunk.length);
        added(chunk.length, chunk.lines);
        return true;
    }

    /** @return whether {@code needed} bytes fit; closes the open segment first if they would pass its limit */
    private boolean makeRoom(int needed) {
        if (length + needed > buffer.capacity()) { // also while no buffer is lent
            return false;
        }
        int openStart = segments == 0 ? 0 : segmentEnds[segments - 1];
        if (openSegmentLines > 0 && length - openStart + needed > segmentLimit) {
            closeSegment();
        }
        return true;
    }

    private void added(int bytes, int records) {
        length += bytes;
        openSegmentLines += records;
        pendingLines += records;
        if (bytes >= segmentLimit) {
            closeSegment(); // a record of a segment's size stands alone
        }
    }

    private void closeSegment() {
        if (segments == segmentEnds.length) {
            int grown = Math.max(16, segments * 2);
            segmentEnds = Arrays.copyOf(segmentEnds, grown);
            segmentLines = Arrays.copyOf(segmentLines, grown);
        }
        segmentEnds[segments] = length;
        segmentLines[segments] = openSegmentLines;
        segments++;
        openSegmentLines = 0;
    }

    /** Closes the open segment: everything added is now ready to be written. */
    public void seal() {
        if (openSegmentLines > 0) {
            closeSegment();
        }
    }

    /** @return whether a sealed segment waits to be written */
    public boolean hasSegment() {
        return cursor < segments;
    }

    /** @return the start offset of the next segment to write */
    public int segmentStart() {
        return cursor == 0 ? 0 : segmentEnds[cursor - 1];
    }

    /** @return the end offset (exclusive) of the next segment to write */
    public int segmentEnd() {
        return segmentEnds[cursor];
    }

    /**
     * Marks the next segment written; after the last one the batcher is empty again.
     *
     * @return how many lines it held
     */
    public int segmentWritten() {
        int lines = segmentLines[cursor++];
        pendingLines -= lines;
        if (cursor == segments && openSegmentLines == 0) {
            length = 0;
            segments = 0;
            cursor = 0;
        }
        return lines;
    }

    /** @return whether nothing is added and unwritten (an empty buffer of bytes is a record too) */
    public boolean isEmpty() {
        return length == 0 && pendingLines == 0;
    }

    /** @return the lines added and not yet written */
    public int pendingLines() {
        return pendingLines;
    }
}
