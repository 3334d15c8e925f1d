package dev.reactorfifo.bench;

import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A child JVM on the harness's own class path, running {@link Child} with a role. The harness
 * talks to it with one line per command on its stdin and one line per answer on its stdout; the
 * child's stderr goes to a log file, whose tail is shown when the child fails.
 */
final class ChildJvm implements AutoCloseable {

    private static final String EOF = "\u0000eof";

    private final String name;
    private final Process process;
    private final BufferedWriter stdin;
    private final BlockingQueue<String> answers = new LinkedBlockingQueue<>();
    private final Path log;

    private ChildJvm(String name, Process process, Path log) {
        this.name = name;
        this.process = process;
        this.log = log;
        this.stdin = new BufferedWriter(new OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8));
        Thread pump = new Thread(() -> {
            try (BufferedReader out = new BufferedReader(
                    new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = out.readLine()) != null) {
                    answers.add(line);
                }
            } catch (IOException ignored) {
                // the child died: reported through EOF below
            }
            answers.add(EOF);
        }, "child-stdout-" + name);
        pump.setDaemon(true);
        pump.start();
    }

    /**
     * @param jvmArgs e.g. {@code -Xmx1g}
     * @param role the first argument of {@link Child#main}
     */
    static ChildJvm start(Path logDir, String name, List<String> jvmArgs, String role, String... args) {
        return start(logDir, name, Path.of(System.getProperty("java.home")), false, jvmArgs, role, args);
    }

    /**
     * @param javaHome the JDK to run the child on (the harness's own by default)
     * @param raiseFdLimit start it through {@code sh -c 'ulimit -n $(ulimit -Hn); exec ...'}: the
     *     soft descriptor limit raised to the hard one before the JVM starts (HotSpot raises its own
     *     soft limit to the hard one as well; this makes it so for any JVM and any launcher)
     */
    static ChildJvm start(Path logDir, String name, Path javaHome, boolean raiseFdLimit, List<String> jvmArgs,
            String role, String... args) {
        List<String> cmd = new ArrayList<>();
        cmd.add(javaHome.resolve("bin").resolve("java").toString());
        cmd.addAll(jvmArgs);
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add(Child.class.getName());
        cmd.add(role);
        cmd.addAll(List.of(args));
        return startProcess(logDir, name, raiseFdLimit, cmd);
    }

    /**
     * Any program that speaks the same protocol (a command per line on stdin, "ok ..." answers on
     * stdout, diagnostics on stderr): a child JVM, or the compiled {@link FifoDriver}. With
     * {@code raiseFdLimit} it is exec'd by a shell that first raises the soft descriptor limit to
     * the hard one; {@code exec} keeps the pid, so {@link #pid()} is the program's own.
     */
    static ChildJvm startProcess(Path logDir, String name, boolean raiseFdLimit, List<String> command) {
        List<String> cmd = new ArrayList<>();
        if (raiseFdLimit) {
            cmd.addAll(List.of("sh", "-c", "ulimit -n \"$(ulimit -Hn)\" && exec \"$0\" \"$@\""));
        }
        cmd.addAll(command);
        Path log = logDir.resolve(name.replaceAll("[^A-Za-z0-9_.-]", "_") + ".log");
        try {
            Process p = new ProcessBuilder(cmd)
                    .redirectError(ProcessBuilder.Redirect.appendTo(log.toFile()))
                    .start();
            return new ChildJvm(name, p, log);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start child " + name, e);
        }
    }

    void send(String command) {
        try {
            stdin.write(command);
            stdin.write('\n');
            stdin.flush();
        } catch (IOException e) {
            throw new IllegalStateException(name + ": cannot send '" + command + "' (child gone?)" + logTail(), e);
        }
    }

    /** The next answer line; fails after {@code timeoutMillis} or if the child exits. */
    String receive(long timeoutMillis) {
        try {
            String line = answers.poll(timeoutMillis, TimeUnit.MILLISECONDS);
            if (line == null) {
                throw new IllegalStateException(name + ": no answer within " + timeoutMillis + " ms" + logTail());
            }
            if (line.equals(EOF)) {
                answers.add(EOF);
                throw new IllegalStateException(name + ": the child exited" + exitCode() + logTail());
            }
            return line;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** The next answer line, or null if none came within {@code timeoutMillis}; fails if the child exited. */
    String tryReceive(long timeoutMillis) {
        try {
            String line = answers.poll(timeoutMillis, TimeUnit.MILLISECONDS);
            if (line != null && line.equals(EOF)) {
                answers.add(EOF);
                throw new IllegalStateException(name + ": the child exited" + exitCode() + logTail());
            }
            return line;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** Sends a command and returns the words after the "ok" of its answer. */
    String[] call(String command, long timeoutMillis) {
        send(command);
        return receiveOk(timeoutMillis);
    }

    /** Like {@link #receive}, and checks that the answer starts with {@code "ok"}. @return the words after it */
    String[] receiveOk(long timeoutMillis) {
        String line = receive(timeoutMillis);
        String[] words = line.trim().split("\\s+");
        if (!words[0].equals("ok")) {
            throw new IllegalStateException(name + ": unexpected answer '" + line + "'" + logTail());
        }
        String[] rest = new String[words.length - 1];
        System.arraycopy(words, 1, rest, 0, rest.length);
        return rest;
    }

    /** @return the exit code, or -1 if still running after {@code millis} */
    int waitFor(long millis) {
        try {
            return process.waitFor(millis, TimeUnit.MILLISECONDS) ? process.exitValue() : -1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return -1;
        }
    }

    long pid() {
        return process.pid();
    }

    private String exitCode() {
        try {
            return process.waitFor(2, TimeUnit.SECONDS) ? " with code " + process.exitValue() : "";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "";
        }
    }

    String logTail() {
        try {
            List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
            int from = Math.max(0, lines.size() - 20);
            return lines.isEmpty() ? "" : "\n--- " + log + " (tail) ---\n" + String.join("\n", lines.subList(from, lines.size()));
        } catch (IOException e) {
            return "";
        }
    }

    /** Closes the child's stdin (its signal to finish), then kills it if it lingers. */
    @Override
    public void close() {
        try {
            stdin.close();
        } catch (IOException ignored) {
            // already gone
        }
        if (waitFor(3000) < 0) {
            kill();
        }
    }

    void kill() {
        process.destroyForcibly();
        waitFor(5000);
    }
}
