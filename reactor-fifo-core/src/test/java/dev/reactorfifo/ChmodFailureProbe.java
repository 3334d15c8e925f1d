package dev.reactorfifo;

import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;

/**
 * Run by {@link ChmodFailureTest} in a child JVM whose {@code chmod} of the FIFO fails: creates
 * the FIFO and prints what happened and whether anything is left at the path.
 */
public final class ChmodFailureProbe {

    private ChmodFailureProbe() {
    }

    public static void main(String[] args) {
        Path path = Path.of(args[0]);
        try {
            NamedPipe.create(path);
            System.out.println("created");
        } catch (Exception e) {
            System.out.println("failed " + e.getClass().getName() + ": " + e.getMessage());
        }
        System.out.println(Files.exists(path, LinkOption.NOFOLLOW_LINKS) ? "left behind" : "nothing left");
    }
}
