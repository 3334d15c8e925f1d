package dev.reactorfifo.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** The machine line every result carries: cores, CPU, memory, kernel, JDK, library commit. */
final class Machine {

    private Machine() {
    }

    static String describe() {
        return "Machine: " + Runtime.getRuntime().availableProcessors() + " cores (" + cpu() + "), " + memory()
                + " RAM; Linux " + kernel() + "; " + jdk() + "; pipe-max-size " + read("/proc/sys/fs/pipe-max-size")
                + "; " + Shell.capture("cat --version | head -n 1") + "; commit " + commit() + ".";
    }

    static String shortLine() {
        return Runtime.getRuntime().availableProcessors() + " cores, Linux " + kernel() + ", JDK "
                + System.getProperty("java.runtime.version") + ", commit " + commit();
    }

    static String kernel() {
        String k = Shell.capture("uname -r");
        return k.isEmpty() ? System.getProperty("os.version") : k;
    }

    static String jdk() {
        return System.getProperty("java.vm.name") + " " + System.getProperty("java.runtime.version");
    }

    static String commit() {
        String c = Shell.capture("git rev-parse --short HEAD 2>/dev/null");
        if (c.isEmpty()) {
            return "unknown";
        }
        return Shell.capture("git status --porcelain --untracked-files=no 2>/dev/null").isEmpty() ? c : c + "+changes";
    }

    private static String cpu() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
                if (line.startsWith("model name")) {
                    return line.substring(line.indexOf(':') + 1).trim();
                }
            }
        } catch (IOException ignored) {
            // not Linux
        }
        return "unknown CPU";
    }

    private static String memory() {
        try {
            List<String> lines = Files.readAllLines(Path.of("/proc/meminfo"));
            for (String line : lines) {
                if (line.startsWith("MemTotal:")) {
                    long kb = Long.parseLong(line.replaceAll("[^0-9]", ""));
                    return String.format(java.util.Locale.ROOT, "%.1f GiB", kb / 1024.0 / 1024.0);
                }
            }
        } catch (IOException ignored) {
            // not Linux
        }
        return "?";
    }

    private static String read(String file) {
        // not Files.readString: it trusts the size /proc reports and returned only the first byte here
        try (java.io.FileInputStream in = new java.io.FileInputStream(file)) {
            return new String(in.readAllBytes(), java.nio.charset.StandardCharsets.US_ASCII).trim();
        } catch (IOException e) {
            return "?";
        }
    }
}
