package dev.reactorfifo.examples.webflux;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Finds the processes that hold a FIFO open for writing. reactor-fifo does not say whether a
 * writer is connected (a reader in follow mode only sees data or, after the last writer left, an
 * end of file), so this asks the kernel the way {@code lsof} and {@code fuser} do, Linux only:
 *
 * <ol>
 *   <li>{@code stat} the FIFO: its device and inode number identify it whatever path was used.</li>
 *   <li>For every process {@code /proc/PID}, every descriptor {@code /proc/PID/fd/N}: the
 *       symbolic link's text is the opened file's path; only links whose last name equals the
 *       FIFO's are looked at further, and confirmed by {@code stat} through the link (which
 *       reaches the opened inode itself, so a renamed path or another mount namespace still
 *       matches by inode).</li>
 *   <li>{@code /proc/PID/fdinfo/N}'s {@code flags:} line is the descriptor's open flags in octal;
 *       an access mode ({@code flags & 3}) of {@code O_WRONLY} (1) or {@code O_RDWR} (2) is a
 *       writer (an {@code O_RDWR} holder keeps the FIFO's write side open just the same).</li>
 * </ol>
 *
 * A process whose {@code /proc/PID/fd} cannot be read (another user's, without root) is
 * counted in {@link Scan#unreadableProcesses()}: the answer is then "no writer among the
 * processes we can see". A FIFO made by this application is {@code rw-------}, so only its own
 * user or root can write to it anyway. Processes and descriptors that vanish during the scan are
 * skipped. The scan costs a {@code readlink} per descriptor on the machine: fine for a health
 * check, not for every line.
 */
final class WriterProbe {

    private static final Path PROC = Path.of("/proc");
    private static final int O_ACCMODE = 3;
    private static final int O_WRONLY = 1;
    private static final int O_RDWR = 2;

    /**
     * @param supported            false where there is no Linux {@code /proc}: then nothing is known
     * @param writerPids           processes holding the FIFO open for writing
     * @param unreadableProcesses  processes whose descriptors could not be listed
     */
    record Scan(boolean supported, Set<Long> writerPids, int unreadableProcesses) {

        static final Scan UNSUPPORTED = new Scan(false, Set.of(), 0);

        /** true, false, or "unknown" without /proc. */
        Object writerConnected() {
            return supported ? (Object) !writerPids.isEmpty() : "unknown";
        }

        Map<String, Object> details() {
            if (!supported) {
                return Map.of("writerConnected", "unknown (no Linux /proc to look in)");
            }
            return Map.of("writerConnected", !writerPids.isEmpty(),
                    "writerPids", List.copyOf(writerPids),
                    "unreadableProcesses", unreadableProcesses);
        }
    }

    private WriterProbe() {
    }

    static Scan scan(Path fifo) throws IOException {
        if (!Files.isDirectory(PROC.resolve("self").resolve("fdinfo"))) {
            return Scan.UNSUPPORTED;
        }
        Object fifoKey = fileKey(fifo);
        Path nameOnly = fifo.toAbsolutePath().getFileName();
        String name = nameOnly == null ? "" : nameOnly.toString();
        Set<Long> writers = new TreeSet<>();
        int unreadable = 0;
        try (DirectoryStream<Path> processes = Files.newDirectoryStream(PROC, PROC_PID)) {
            for (Path process : processes) {
                try (DirectoryStream<Path> fds = Files.newDirectoryStream(process.resolve("fd"))) {
                    for (Path fd : fds) {
                        if (isWriterOf(fd, name, fifoKey, process)) {
                            writers.add(Long.parseLong(process.getFileName().toString()));
                        }
                    }
                } catch (java.nio.file.AccessDeniedException e) {
                    unreadable++;
                } catch (IOException | RuntimeException e) {
                    // the process exited while we looked
                }
            }
        }
        return new Scan(true, writers, unreadable);
    }

    private static final DirectoryStream.Filter<Path> PROC_PID = path -> {
        String name = path.getFileName().toString();
        return !name.isEmpty() && name.chars().allMatch(Character::isDigit);
    };

    private static boolean isWriterOf(Path fd, String fifoName, Object fifoKey, Path process) {
        try {
            String target = Files.readSymbolicLink(fd).toString();
            // "/tmp/live.fifo", or "/tmp/live.fifo (deleted)" after an rm; sockets and anonymous
            // pipes read "socket:[123]", "pipe:[456]"
            if (!target.endsWith("/" + fifoName) && !target.endsWith("/" + fifoName + " (deleted)")) {
                return false;
            }
            if (!fifoKey.equals(fileKey(fd))) {
                return false;
            }
            int accessMode = openFlags(process.resolve("fdinfo").resolve(fd.getFileName())) & O_ACCMODE;
            return accessMode == O_WRONLY || accessMode == O_RDWR;
        } catch (IOException | RuntimeException e) {
            return false; // closed or exited meanwhile
        }
    }

    /** (device, inode) of the file a path (or a /proc descriptor link) leads to. */
    private static Object fileKey(Path path) throws IOException {
        Map<String, Object> attributes = Files.readAttributes(path, "unix:dev,ino");
        return List.of(attributes.get("dev"), attributes.get("ino"));
    }

    private static int openFlags(Path fdinfo) throws IOException {
        for (String line : Files.readAllLines(fdinfo)) {
            if (line.startsWith("flags:")) {
                return Integer.parseInt(line.substring("flags:".length()).trim(), 8);
            }
        }
        throw new IOException(fdinfo + ": no flags line");
    }
}
