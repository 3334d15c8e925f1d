package dev.reactorfifo.examples;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;

/** A {@link PrintStream} to hand to an example's {@code run}, whose text the test reads back. */
final class Output {

    private final ByteArrayOutputStream bytes = new ByteArrayOutputStream(); // synchronized: readable while written
    final PrintStream stream = new PrintStream(bytes, true, StandardCharsets.UTF_8);

    /** Everything printed so far. */
    String text() {
        return bytes.toString(StandardCharsets.UTF_8);
    }

    List<String> lines() {
        return text().lines().toList();
    }
}
