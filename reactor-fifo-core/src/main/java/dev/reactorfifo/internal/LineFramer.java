package dev.reactorfifo.internal;

import dev.reactorfifo.LineTooLongException;
import dev.reactorfifo.MalformedLineException;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.Charset;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import org.jspecify.annotations.Nullable;

/**
 * Bytes to lines, with {@code BufferedReader.readLine} terminators ({@code \n}, {@code \r\n}, a
 * lone {@code \r}; a {@code \r} ending one chunk and a {@code \n} starting the next are one
 * terminator), or with one exact {@link Delimiter} instead (a delimiter of several bytes may be
 * split across chunks anywhere). Pure: no I/O, no threads, so any chunking of the same bytes can be tested to give
 * the same lines.
 *
 * <p>Use: {@link #feed} a chunk, call {@link #next()} until it returns {@code null} (the caller may
 * stop earlier, for lack of demand, and resume later), then feed the next chunk. The chunk is
 * lent, not copied: the framer reads it in place until {@link #isChunkConsumed()}, then lets go
 * of it, so the caller can reuse or pool it. At the end of the
 * input call {@link #endOfInput()}: the following {@link #next()} returns the unterminated
 * fragment, if any, and the framer is ready for a new input (the next writer, in follow mode).
 *
 * <p>A line is decoded once, straight from the chunk when it lies inside one; only a line that
 * spans chunks is assembled in a carry buffer, which never grows beyond {@code maxLineLength}
 * (plus, with a delimiter, the delimiter's length less one: its first bytes, not yet told
 * from the line's) and
 * is kept only while it holds a partial line of about its size. Not thread-safe.
 */
public final class LineFramer {

    private static final byte[] NONE = new byte[0];
    /** A carry up to this size is kept for the next partial line; a larger one is let go once emptied. */
    private static final int KEPT_CARRY = 256;

    private final Charset charset;
    private final boolean report;
    private final boolean utf8;
    private final int maxLineLength;
    private final String source;
    /** The exact delimiter, or null for the terminators of {@code readLine}. */
    private final @Nullable Delimiter delimiter;
    /** How long the carry may grow before a delimiter is found: the limit plus a delimiter's first bytes. */
    private final int partialFrameLimit;
    private @Nullable CharsetDecoder decoder;

    private byte[] chunk = NONE;
    private int position;
    private int limit;
    private byte[] carry = NONE;
    private int carryLength;
    /** The previous chunk ended with {@code \r}: a {@code \n} at the start of this one is part of it. */
    private boolean skipLineFeed;
    /** {@link #endOfInput()} was called: the carry is a final line. */
    private boolean flushCarry;
    private long lineNumber;

    /**
     * @param malformedInput {@link CodingErrorAction#REPLACE} or {@link CodingErrorAction#REPORT}
     * @param source names the input in error messages (the FIFO's path)
     */
    public LineFramer(Charset charset, CodingErrorAction malformedInput, int maxLineLength, String source) {
        this(charset, malformedInput, maxLineLength, null, source);
    }

    /**
     * @param delimiter the one exact delimiter of frames, or null for the terminators of
     *     {@code readLine}
     */
    public LineFramer(Charset charset, CodingErrorAction malformedInput, int maxLineLength,
            @Nullable Delimiter delimiter, String source) {
        AsciiCompatibleCharsets.require(charset);
        this.delimiter = delimiter;
        this.partialFrameLimit = delimiter == null ? maxLineLength
                : (int) Math.min(Integer.MAX_VALUE - 8, (long) maxLineLength + delimiter.length() - 1);
        this.charset = charset;
        this.report = malformedInput == CodingErrorAction.REPORT;
        this.utf8 = charset.equals(StandardCharsets.UTF_8);
        this.maxLineLength = maxLineLength;
        this.source = source;
    }

    /**
     * Lends {@code src[offset, offset + length)} as the next chunk of input: the framer reads it in
     * place, so the caller must not change it until {@link #isChunkConsumed()}.
     *
     * @throws IllegalStateException if lines of the previous chunk are still waiting
     */
    public void feed(byte[] src, int offset, int length) {
        if (!isChunkConsumed()) {
            throw new IllegalStateException("the previous chunk still holds lines; call next() until null");
        }
        chunk = src;
        position = offset;
        limit = offset + length;
    }

    /**
     * @return whether every byte of the lent chunk has been framed (its partial last line, if
     *     any, copied to the carry): the framer holds no reference to it any more
     */
    public boolean isChunkConsumed() {
        if (position < limit) {
            return false;
        }
        chunk = NONE;
        position = 0;
        limit = 0;
        return true;
    }

    /**
     * Marks the end of the current input (a writer's EOF). The next {@link #next()} returns the
     * unterminated fragment, if there is one.
     */
    public void endOfInput() {
        flushCarry = carryLength > 0;
        skipLineFeed = false; // a later writer's leading \n is its own empty line, not half of a CRLF
    }

    /** @return whether {@link #next()} would return {@code null} without new input */
    public boolean isDrained() {
        return position >= limit && !flushCarry;
    }

    /** @return how many lines were returned so far */
    public long lineNumber() {
        return lineNumber;
    }

    /**
     * @return the next complete line, or {@code null} when the fed input holds no more complete
     *     lines (the partial rest is kept for the next chunk)
     * @throws LineTooLongException when a line exceeds {@code maxLineLength} bytes
     * @throws MalformedLineException under {@code REPORT}, for bytes invalid in the charset
     */
    public @Nullable String next() throws LineTooLongException, MalformedLineException {
        if (position >= limit) {
            if (flushCarry) {
                flushCarry = false;
                String fragment = delimiter != null ? takeFrameFromCarry() : takeCarry();
                lineNumber++;
                return fragment;
            }
            return null;
        }
        if (delimiter != null) {
            return nextDelimited(delimiter);
        }
        if (skipLineFeed) {
            skipLineFeed = false;
            if (chunk[position] == '\n' && ++position >= limit) {
                return null;
            }
        }
        int start = position;
        int end = Terminators.indexOf(chunk, start, limit);
        if (end < 0) {
            appendCarry(start, limit - start);
            position = limit;
            return null;
        }
        String line;
        if (carryLength == 0) {
            if (end - start > maxLineLength) {
                throw tooLong();
            }
            line = decode(chunk, start, end - start);
        } else {
            appendCarry(start, end - start);
            line = takeCarry();
        }
        if (chunk[end] == '\r') {
            if (end + 1 < limit) {
                position = chunk[end + 1] == '\n' ? end + 2 : end + 1;
            } else {
                position = end + 1;
                skipLineFeed = true;
            }
        } else {
            position = end + 1;
        }
        lineNumber++;
        return line;
    }

    /** {@link #next()} with an exact delimiter; the chunk has bytes left. */
    private @Nullable String nextDelimited(Delimiter d) throws LineTooLongException, MalformedLineException {
        if (carryLength > 0 && d.length() > 1) {
            int straddling = straddlingDelimiter(d);
            if (straddling >= 0) {
                position += d.length() - (carryLength - straddling);
                carryLength = straddling; // the delimiter's first bytes are not part of the frame
                String line = takeFrameFromCarry();
                lineNumber++;
                return line;
            }
        }
        int start = position;
        int end = d.indexOf(chunk, start, limit);
        if (end < 0) {
            // the carry may end with the delimiter's first bytes, so it may pass the limit by those
            appendCarry(start, limit - start, partialFrameLimit);
            position = limit;
            return null;
        }
        String line;
        if (carryLength == 0) {
            if (end - start > maxLineLength) {
                throw tooLong();
            }
            line = decode(chunk, start, end - start);
        } else {
            appendCarry(start, end - start, maxLineLength);
            line = takeFrameFromCarry();
        }
        position = end + d.length();
        lineNumber++;
        return line;
    }

    /**
     * Looks for a delimiter that begins in the carry's last bytes and ends in the chunk; the
     * earliest wins, as in a single buffer. A delimiter wholly inside the carry cannot be there:
     * every byte of it was searched when it was a chunk's. One that the chunk is too short to end
     * is not decided here: the chunk joins the carry, and the next chunk looks again.
     *
     * @return the carry index where it begins, or -1
     */
    private int straddlingDelimiter(Delimiter d) {
        int available = limit - position;
        for (int s = Math.max(0, carryLength - (d.length() - 1)); s < carryLength; s++) {
            int inCarry = carryLength - s;
            int needed = d.length() - inCarry;
            if (needed <= available && d.regionMatches(0, carry, s, inCarry)
                    && d.regionMatches(inCarry, chunk, position, needed)) {
                return s;
            }
        }
        return -1;
    }

    /** The carry as a frame, which may not pass the limit (it could hold a delimiter's first bytes). */
    private String takeFrameFromCarry() throws LineTooLongException, MalformedLineException {
        if (carryLength > maxLineLength) {
            throw tooLong();
        }
        return takeCarry();
    }

    private String takeCarry() throws MalformedLineException {
        String line = decode(carry, 0, carryLength);
        carryLength = 0;
        if (carry.length > KEPT_CARRY) {
            carry = NONE; // a long line's buffer is not kept for an idle stream
        }
        return line;
    }

    private void appendCarry(int from, int length) throws LineTooLongException {
        appendCarry(from, length, maxLineLength);
    }

    private void appendCarry(int from, int length, int carryLimit) throws LineTooLongException {
        int needed = carryLength + length;
        if (needed > carryLimit) {
            throw tooLong();
        }
        if (needed > carry.length) {
            int grown = (int) Math.min(carryLimit, Math.max(Math.max((long) carry.length * 2, needed), 64));
            carry = java.util.Arrays.copyOf(carry, grown);
        }
        System.arraycopy(chunk, from, carry, carryLength, length);
        carryLength = needed;
    }

    private LineTooLongException tooLong() {
        return new LineTooLongException(source + ": line " + (lineNumber + 1) + " is longer than maxLineLength ("
                + maxLineLength + " bytes)", maxLineLength);
    }

    private String decode(byte[] bytes, int offset, int length) throws MalformedLineException {
        if (!report) {
            // the JDK's String constructor replaces malformed input with U+FFFD, as REPLACE does,
            // and has intrinsic fast paths (ASCII, Latin-1, UTF-8) that a CharsetDecoder lacks
            return utf8 ? new String(bytes, offset, length, StandardCharsets.UTF_8)
                    : new String(bytes, offset, length, charset);
        }
        CharsetDecoder d = decoder;
        if (d == null) {
            d = charset.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT);
            decoder = d;
        }
        try {
            CharBuffer chars = d.reset().decode(ByteBuffer.wrap(bytes, offset, length));
            return chars.toString();
        } catch (CharacterCodingException e) {
            long failing = lineNumber + 1;
            MalformedLineException m = new MalformedLineException(source + ": line " + failing
                    + " is not valid " + charset.name() + " (" + e + ")", failing);
            m.initCause(e);
            throw m;
        }
    }
}
