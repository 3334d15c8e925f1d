package dev.reactorfifo.internal;

import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.Charset;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * One exact delimiter of frames, as bytes: where it occurs in a range, found eight bytes per step
 * for its first byte with {@link Terminators}' word-at-a-time scan (the per-frame hot path). Pure and
 * immutable.
 */
public final class Delimiter {

    private final byte[] bytes;
    private final long firstByteInEveryLane;

    /** @param bytes the delimiter, at least one byte (copied) */
    public Delimiter(byte[] bytes) {
        if (bytes.length == 0) {
            throw new IllegalArgumentException("a delimiter has at least one byte");
        }
        this.bytes = bytes.clone();
        this.firstByteInEveryLane = (bytes[0] & 0xFFL) * Terminators.ONES;
    }

    /**
     * @return {@code delimiter} in {@code charset}, strictly
     * @throws IllegalArgumentException if it is empty or the charset cannot encode it
     */
    public static byte[] encode(String delimiter, Charset charset) {
        if (delimiter.isEmpty()) {
            throw new IllegalArgumentException("a delimiter has at least one character");
        }
        try {
            ByteBuffer out = charset.newEncoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .encode(CharBuffer.wrap(delimiter));
            byte[] bytes = new byte[out.remaining()];
            out.get(bytes);
            requireUnambiguous(bytes, delimiter, charset);
            return bytes;
        } catch (CharacterCodingException e) {
            throw new IllegalArgumentException("the delimiter " + describe(delimiter) + " cannot be encoded in "
                    + charset.name(), e);
        }
    }

    /**
     * In UTF-8 and single-byte charsets a delimiter's bytes are never part of another character.
     * In the other ASCII-compatible ones (Shift_JIS, GBK, Big5) the second byte of a two-byte
     * character may be 0x40-0x7E, so only delimiters of bytes below 0x40 (controls, space,
     * digits, most punctuation) cannot be found inside a character.
     */
    private static void requireUnambiguous(byte[] bytes, String delimiter, Charset charset) {
        if (charset.equals(StandardCharsets.UTF_8) || charset.newEncoder().maxBytesPerChar() <= 1) {
            return;
        }
        for (byte b : bytes) {
            if ((b & 0xFF) >= 0x40) {
                throw new IllegalArgumentException("the delimiter " + describe(delimiter) + " has a byte that may be"
                        + " part of a two-byte character in " + charset.name() + "; in that charset use one made of"
                        + " bytes below 0x40 (controls, space, digits, most punctuation)");
            }
        }
    }

    /** @return {@code delimiter} quoted, with control characters escaped, for messages */
    public static String describe(String delimiter) {
        StringBuilder b = new StringBuilder("\"");
        for (int i = 0; i < delimiter.length(); i++) {
            char c = delimiter.charAt(i);
            switch (c) {
                case '\0': b.append("\\0"); break;
                case '\n': b.append("\\n"); break;
                case '\r': b.append("\\r"); break;
                case '\t': b.append("\\t"); break;
                default:
                    if (c < 0x20 || c == 0x7F) {
                        b.append(String.format("\\u%04x", (int) c));
                    } else {
                        b.append(c);
                    }
            }
        }
        return b.append('"').toString();
    }

    /** @return how many bytes the delimiter has */
    public int length() {
        return bytes.length;
    }

    /** @return the delimiter's byte at {@code index} */
    public byte byteAt(int index) {
        return bytes[index];
    }

    /** @return a copy of the delimiter's bytes */
    public byte[] bytes() {
        return bytes.clone();
    }

    /** @return the index of the first whole occurrence in {@code data[from, to)}, or -1 */
    public int indexOf(byte[] data, int from, int to) {
        int last = to - bytes.length; // the last index a whole occurrence can start at
        int i = from;
        while (i <= last) {
            int candidate = indexOfFirstByte(data, i, last + 1);
            if (candidate < 0) {
                return -1;
            }
            if (restMatches(data, candidate)) {
                return candidate;
            }
            i = candidate + 1;
        }
        return -1;
    }

    /**
     * @return whether {@code data[from, from + length)} equals the delimiter's bytes from
     *     {@code delimiterOffset} on (a part of it: the caller checks the lengths)
     */
    public boolean regionMatches(int delimiterOffset, byte[] data, int from, int length) {
        return Arrays.equals(bytes, delimiterOffset, delimiterOffset + length, data, from, from + length);
    }

    private boolean restMatches(byte[] data, int at) {
        for (int k = 1; k < bytes.length; k++) {
            if (data[at + k] != bytes[k]) {
                return false;
            }
        }
        return true;
    }

    private int indexOfFirstByte(byte[] data, int from, int to) {
        int i = from;
        for (int last = to - Long.BYTES; i <= last; i += Long.BYTES) {
            long found = Terminators.zeroBytes((long) Terminators.LONGS.get(data, i) ^ firstByteInEveryLane);
            if (found != 0) {
                return i + (Long.numberOfTrailingZeros(found) >>> 3);
            }
        }
        byte first = bytes[0];
        for (; i < to; i++) {
            if (data[i] == first) {
                return i;
            }
        }
        return -1;
    }
}
