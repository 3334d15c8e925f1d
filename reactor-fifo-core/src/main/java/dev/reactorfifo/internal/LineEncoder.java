package dev.reactorfifo.internal;

import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.Charset;
import java.nio.charset.CharsetEncoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.MalformedInputException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.jspecify.annotations.Nullable;

/**
 * A line to the bytes written for it (without its delimiter). Pure and not thread-safe.
 *
 * <p>Refuses what would corrupt the stream at the reader: with the default {@code \n}, a
 * {@code \n} or {@code \r} inside a line (a reader with the default terminators would split it);
 * with another delimiter, a line in which the delimiter would be found before the line's end,
 * inside it or overlapping the delimiter written after it; and characters the charset cannot
 * encode (the JDK's {@code getBytes} would write a silent {@code ?}).
 */
public final class LineEncoder {

    private static final Delimiter QUESTION_MARK = new Delimiter(new byte[] {'?'});

    private final Charset charset;
    private final boolean utf8;
    private final String target;
    /** The delimiter written after each line, or null for the default {@code \n}. */
    private final @Nullable Delimiter delimiter;
    private final String describedDelimiter;
    private @Nullable CharsetEncoder encoder;

    /** @param target names the destination in error messages (the FIFO's path) */
    public LineEncoder(Charset charset, String target) {
        this(charset, "\n", target);
    }

    /**
     * @param delimiter what is written after each line; {@code "\n"} also refuses a {@code \r}
     * @param target names the destination in error messages (the FIFO's path)
     */
    public LineEncoder(Charset charset, String delimiter, String target) {
        AsciiCompatibleCharsets.require(charset);
        this.charset = charset;
        this.utf8 = charset.equals(StandardCharsets.UTF_8);
        this.target = target;
        this.delimiter = delimiter.equals("\n") ? null : new Delimiter(Delimiter.encode(delimiter, charset));
        this.describedDelimiter = Delimiter.describe(delimiter);
    }

    /** @return the bytes written after each line */
    public byte[] delimiterBytes() {
        return delimiter == null ? new byte[] {'\n'} : delimiter.bytes();
    }

    /**
     * @param lineNumber 1-based, for error messages
     * @throws IllegalArgumentException if the line contains {@code \n} or {@code \r}
     * @throws CharacterCodingException if the charset cannot encode a character of it
     */
    public byte[] encode(String line, long lineNumber) throws CharacterCodingException {
        Delimiter d = delimiter;
        if (d != null) {
            return encodeDelimited(line, lineNumber, d);
        }
        byte[] bytes;
        int terminator;
        if (utf8) {
            bytes = line.getBytes(StandardCharsets.UTF_8);
            // getBytes writes '?' for every lone surrogate, so only a line with a '?' byte needs
            // its characters checked; a cheap filter clears most lines (the hot path), and the
            // exact scan finds the '?' and the terminators in the others
            if (!Terminators.mayHoldTerminatorOrQuestionMark(bytes)) {
                return bytes;
            }
            terminator = Terminators.indexOfTerminatorOrQuestionMark(bytes, 0, bytes.length);
            if (terminator >= 0 && bytes[terminator] == '?') {
                requireWellFormedSurrogates(line, bytes, terminator, lineNumber);
                terminator = Terminators.indexOf(bytes, terminator + 1, bytes.length);
            }
        } else {
            bytes = encodeStrictly(line, lineNumber);
            terminator = Terminators.indexOf(bytes, 0, bytes.length);
        }
        if (terminator >= 0) {
            throw new IllegalArgumentException(target + ": line " + lineNumber + " contains "
                    + (bytes[terminator] == '\n' ? "\\n" : "\\r") + " at index " + terminator
                    + ", which would split it into several lines at the reader");
        }
        return bytes;
    }

    private byte[] encodeDelimited(String line, long lineNumber, Delimiter d) throws CharacterCodingException {
        byte[] bytes;
        if (utf8) {
            bytes = line.getBytes(StandardCharsets.UTF_8);
            int questionMark = QUESTION_MARK.indexOf(bytes, 0, bytes.length);
            if (questionMark >= 0) {
                requireWellFormedSurrogates(line, bytes, questionMark, lineNumber);
            }
        } else {
            bytes = encodeStrictly(line, lineNumber);
        }
        int at = d.indexOf(bytes, 0, bytes.length);
        if (at < 0) {
            at = overlapWithTheDelimiterAfter(bytes, d);
        }
        if (at >= 0) {
            throw new IllegalArgumentException(target + ": line " + lineNumber + " contains the delimiter "
                    + describedDelimiter + (at + d.length() > bytes.length ? ", with the delimiter written after it," : "")
                    + " at index " + at + ", which would split it at the reader");
        }
        return bytes;
    }

    /**
     * @return where the delimiter would begin in the line's last bytes followed by the delimiter
     *     ({@code "a"} then {@code "aa"} reads as {@code "aa"} then {@code "a"}), or -1
     */
    private static int overlapWithTheDelimiterAfter(byte[] bytes, Delimiter d) {
        for (int k = Math.min(d.length() - 1, bytes.length); k >= 1; k--) {
            int start = bytes.length - k;
            if (d.regionMatches(0, bytes, start, k) && selfOverlaps(d, k)) {
                return start;
            }
        }
        return -1;
    }

    /** @return whether the delimiter's first {@code d - k} bytes equal its bytes from {@code k} on */
    private static boolean selfOverlaps(Delimiter d, int k) {
        for (int i = k; i < d.length(); i++) {
            if (d.byteAt(i) != d.byteAt(i - k)) {
                return false;
            }
        }
        return true;
    }

    /**
     * @param bytes the line's {@code getBytes}
     * @param questionMark the index of the first {@code ?} in {@code bytes}: none before it can
     *     stand for a lone surrogate
     */
    private void requireWellFormedSurrogates(String line, byte[] bytes, int questionMark, long lineNumber)
            throws CharacterCodingException {
        if (bytes.length == line.length()) {
            // every character became one byte: each is ASCII or a lone surrogate (written as '?'),
            // so only the characters at '?' bytes can be one (a line with a URL query, for one)
            for (int i = questionMark; i < bytes.length; i++) {
                if (bytes[i] == '?' && line.charAt(i) != '?') {
                    throw unencodable(lineNumber, i, new MalformedInputException(1));
                }
            }
            return;
        }
        for (int i = 0, n = line.length(); i < n; i++) {
            char c = line.charAt(i);
            if (Character.isHighSurrogate(c) && i + 1 < n && Character.isLowSurrogate(line.charAt(i + 1))) {
                i++;
            } else if (Character.isSurrogate(c)) {
                throw unencodable(lineNumber, i, new MalformedInputException(1));
            }
        }
    }

    private byte[] encodeStrictly(String line, long lineNumber) throws CharacterCodingException {
        CharsetEncoder e = encoder;
        if (e == null) {
            e = charset.newEncoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT);
            encoder = e;
        }
        try {
            ByteBuffer out = e.reset().encode(CharBuffer.wrap(line));
            return Arrays.copyOfRange(out.array(), out.arrayOffset() + out.position(),
                    out.arrayOffset() + out.limit());
        } catch (CharacterCodingException cause) {
            throw unencodable(lineNumber, -1, cause);
        }
    }

    private CharacterCodingException unencodable(long lineNumber, int index, CharacterCodingException cause) {
        String where = index >= 0 ? " at index " + index : "";
        UnencodableLineException e = new UnencodableLineException(target + ": line " + lineNumber
                + " has a character" + where + " that " + charset.name() + " cannot encode");
        e.initCause(cause);
        return e;
    }

    /** {@link CharacterCodingException} carries no message of its own; this one says where. */
    static final class UnencodableLineException extends CharacterCodingException {
        private static final long serialVersionUID = 1L;
        private final String message;

        UnencodableLineException(String message) {
            this.message = message;
        }

        @Override
        public String getMessage() {
            return message;
        }
    }
}
