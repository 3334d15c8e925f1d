package dev.reactorfifo.bench;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.AbstractList;
import java.util.List;
import java.util.Random;

/**
 * The benchmark data: a pool of {@value #POOL} printable-ASCII lines of one length, repeated. The
 * pool is a pure function of the line length, so a writer child rebuilds exactly the lines that the
 * harness wrote into the data file instead of reading hundreds of MB into its heap.
 */
final class Lines {

    static final int POOL = 1024;
    private static final String ALPHABET =
            "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789 ,.;:-_=+/()[]{}<>";

    private Lines() {
    }

    /** @param lineBytes the length of a line including its {@code \n} */
    static String[] pool(int lineBytes) {
        Random random = new Random(4242L + lineBytes);
        String[] pool = new String[POOL];
        char[] chars = new char[lineBytes - 1];
        for (int i = 0; i < POOL; i++) {
            for (int j = 0; j < chars.length; j++) {
                chars[j] = ALPHABET.charAt(random.nextInt(ALPHABET.length()));
            }
            pool[i] = new String(chars);
        }
        return pool;
    }

    /** How many whole lines of {@code lineBytes} fit in {@code totalBytes}. */
    static long count(int lineBytes, long totalBytes) {
        return totalBytes / lineBytes;
    }

    /** The first {@code count} lines of the data, as a list that costs no memory per line. */
    static List<String> cyclic(int lineBytes, long count) {
        String[] pool = pool(lineBytes);
        int size = Math.toIntExact(count);
        return new AbstractList<>() {
            @Override
            public String get(int index) {
                return pool[index % POOL];
            }

            @Override
            public int size() {
                return size;
            }
        };
    }

    /** The data as bytes (with terminators), for in-memory benchmarks and the bytes writers. */
    static byte[] bytes(int lineBytes, long count) {
        String[] pool = pool(lineBytes);
        byte[] out = new byte[Math.toIntExact(count * lineBytes)];
        int at = 0;
        for (long i = 0; i < count; i++) {
            byte[] line = pool[(int) (i % POOL)].getBytes(StandardCharsets.US_ASCII);
            System.arraycopy(line, 0, out, at, line.length);
            out[at + line.length] = '\n';
            at += lineBytes;
        }
        return out;
    }

    /** Writes {@code count} lines of the data into {@code file}. */
    static void writeFile(Path file, int lineBytes, long count) throws IOException {
        writeFile(file, lineBytes, count, '\n');
    }

    /**
     * Writes {@code count} lines of the data into {@code file}, each ended by {@code terminator}
     * instead of {@code \n} (the same lines with {@code \0}: the data of the delimiter rows).
     */
    static void writeFile(Path file, int lineBytes, long count, char terminator) throws IOException {
        String[] pool = pool(lineBytes);
        byte[][] encoded = new byte[POOL][];
        for (int i = 0; i < POOL; i++) {
            encoded[i] = (pool[i] + terminator).getBytes(StandardCharsets.US_ASCII);
        }
        try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(file), 1 << 20)) {
            for (long i = 0; i < count; i++) {
                out.write(encoded[(int) (i % POOL)]);
            }
        }
    }
}
