package dev.reactorfifo.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/** {@code sh -c} processes: the cat and wc contenders and the cat writers. */
final class Shell {

    private Shell() {
    }

    static String quote(Path p) {
        return "'" + p.toString().replace("'", "'\\''") + "'";
    }

    /** Starts {@code sh -c command}; its stdout is kept for {@link #output}, its stderr inherited. */
    static Process start(String command) {
        try {
            return new ProcessBuilder("sh", "-c", command)
                    .redirectError(ProcessBuilder.Redirect.INHERIT)
                    .start();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Waits for a process and fails unless it exits 0. */
    static void await(Process p, String what, long timeoutMillis) {
        try {
            if (!p.waitFor(timeoutMillis, TimeUnit.MILLISECONDS)) {
                p.destroyForcibly();
                throw new IllegalStateException(what + ": still running after " + timeoutMillis + " ms");
            }
            if (p.exitValue() != 0) {
                throw new IllegalStateException(what + ": exit code " + p.exitValue());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    static String output(Process p) {
        try {
            return new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Runs a command to its end and returns its trimmed stdout, or "" if it fails. */
    static String capture(String command) {
        try {
            Process p = start(command);
            String out = output(p);
            return p.waitFor() == 0 ? out : "";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "";
        } catch (RuntimeException e) {
            return "";
        }
    }
}
