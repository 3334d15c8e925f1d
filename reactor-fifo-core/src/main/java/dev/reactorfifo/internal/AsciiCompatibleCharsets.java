package dev.reactorfifo.internal;

import java.nio.charset.Charset;
import java.util.Arrays;

/**
 * Lines are framed by scanning raw bytes for {@code \n} and {@code \r}, which is only correct when
 * the charset writes every ASCII character as that single byte and never uses those bytes inside
 * another character. UTF-8, US-ASCII, ISO-8859-x and windows-125x qualify; UTF-16 and UTF-32 do
 * not.
 */
public final class AsciiCompatibleCharsets {

    private static final byte[] ASCII = new byte[128];

    static {
        for (int i = 0; i < ASCII.length; i++) {
            ASCII[i] = (byte) i;
        }
    }

    private AsciiCompatibleCharsets() {
    }

    /** @throws IllegalArgumentException if {@code charset} is not ASCII-compatible */
    public static void require(Charset charset) {
        if (!isAsciiCompatible(charset)) {
            throw new IllegalArgumentException("Charset " + charset.name() + " is not ASCII-compatible: lines"
                    + " are framed by scanning bytes for \\n and \\r, so only charsets such as UTF-8,"
                    + " US-ASCII or ISO-8859-1 are supported");
        }
    }

    static boolean isAsciiCompatible(Charset charset) {
        if (!charset.canEncode()) {
            return false;
        }
        String ascii = new String(ASCII, java.nio.charset.StandardCharsets.US_ASCII);
        return Arrays.equals(ascii.getBytes(charset), ASCII)
                && new String(ASCII, charset).equals(ascii);
    }
}
