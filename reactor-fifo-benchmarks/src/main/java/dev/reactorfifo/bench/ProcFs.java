package dev.reactorfifo.bench;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.ToLongFunction;

/**
 * What the harness reads from Linux's {@code /proc} about another process: context switches,
 * write(2) counts, and which of its threads are inside a system call on a FIFO.
 */
final class ProcFs {

    private ProcFs() {
    }

    /**
     * Context switches of every thread of {@code pid}: the sum of {@code voluntary_ctxt_switches}
     * and {@code nonvoluntary_ctxt_switches} over {@code /proc/PID/task/* /status}. (A thread that
     * exits between two readings takes its count with it; the scenarios that use this keep their
     * threads for the whole measurement.)
     */
    static long contextSwitches(long pid) {
        return perThread(pid, "status", lines -> lines.stream()
                .filter(line -> line.startsWith("voluntary_ctxt_switches:") || line.startsWith("nonvoluntary_ctxt_switches:"))
                .mapToLong(line -> Long.parseLong(line.substring(line.indexOf(':') + 1).trim()))
                .sum()).values().stream().mapToLong(Long::longValue).sum();
    }

    /**
     * CPU time of each thread of {@code pid} in ns, by thread id: the first field of
     * {@code /proc/PID/task/TID/schedstat} (time spent on a CPU, user and system). Precise to the
     * nanosecond, where {@code /proc/PID/stat} counts 10 ms ticks. Subtract two readings with
     * {@link #cpuNanosBetween}.
     */
    static Map<String, Long> cpuNanosByThread(long pid) {
        return perThread(pid, "schedstat", lines -> Long.parseLong(lines.get(0).substring(0, lines.get(0).indexOf(' '))));
    }

    /**
     * The CPU time the threads used between two readings of {@link #cpuNanosByThread}: a thread
     * started in between counts from zero; one that exited in between is left out (its time
     * after the first reading is lost, and a sum over all threads would lose its whole life).
     */
    static long cpuNanosBetween(Map<String, Long> before, Map<String, Long> after) {
        long sum = 0;
        for (Map.Entry<String, Long> thread : after.entrySet()) {
            sum += thread.getValue() - before.getOrDefault(thread.getKey(), 0L);
        }
        return sum;
    }

    /** @return by thread id, a value of each thread's {@code /proc/PID/task/TID/FILE}; threads that exit while read are left out */
    private static Map<String, Long> perThread(long pid, String file, ToLongFunction<List<String>> valueOfThread) {
        Map<String, Long> values = new HashMap<>();
        try (DirectoryStream<Path> tasks = Files.newDirectoryStream(Path.of("/proc", String.valueOf(pid), "task"))) {
            for (Path task : tasks) {
                List<String> lines;
                try {
                    lines = Files.readAllLines(task.resolve(file), StandardCharsets.US_ASCII);
                } catch (IOException threadGone) {
                    continue; // exited while we looked
                }
                values.put(task.getFileName().toString(), valueOfThread.applyAsLong(lines));
            }
        } catch (IOException e) {
            throw new IllegalStateException("cannot read /proc/" + pid + "/task: " + e, e);
        }
        if (values.isEmpty()) {
            throw new IllegalStateException("no thread of " + pid + " has a readable /proc/" + pid + "/task/*/" + file);
        }
        return values;
    }

    /**
     * {@code syscw} of {@code /proc/PID/io}: write-type system calls (write, writev, pwrite...)
     * the process has made, all its threads, living or gone. Cheaper than strace, which slows every
     * call it counts.
     */
    static long writeSyscalls(long pid) {
        return io(pid, "syscw");
    }

    /** {@code syscr} of {@code /proc/PID/io}: read-type system calls (read, readv, pread...), as {@link #writeSyscalls}. */
    static long readSyscalls(long pid) {
        return io(pid, "syscr");
    }

    /**
     * {@code wchar} of {@code /proc/PID/io}: the bytes the process's write-type calls have
     * returned as written, to any file. A call still blocked counts nothing until it returns.
     */
    static long writtenBytes(long pid) {
        return io(pid, "wchar");
    }

    private static long io(long pid, String field) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc", String.valueOf(pid), "io"), StandardCharsets.US_ASCII)) {
                if (line.startsWith(field + ":")) {
                    return Long.parseLong(line.substring(field.length() + 1).trim());
                }
            }
        } catch (IOException e) {
            throw new IllegalStateException("cannot read /proc/" + pid + "/io: " + e, e);
        }
        throw new IllegalStateException("/proc/" + pid + "/io has no " + field + " line");
    }

    /**
     * The system call a single-threaded process is in and its state, e.g. {@code "1/S"} (x86-64
     * {@code write}, sleeping), from {@code /proc/PID/syscall} and {@code stat}; {@code "running"}
     * when it is in user space.
     */
    static String syscallState(long pid) {
        Path proc = Path.of("/proc", String.valueOf(pid));
        try {
            String line = Files.readString(proc.resolve("syscall"), StandardCharsets.US_ASCII).trim();
            return line.startsWith("running") ? "running" : line.split("\\s+")[0] + "/" + state(proc);
        } catch (IOException e) {
            return "gone";
        }
    }

    /** @return whether the (single-threaded) process sleeps inside write(2) */
    static boolean sleepsInWrite(long pid) {
        String s = syscallState(pid);
        int write = AARCH64 ? 64 : 1;
        return s.equals(write + "/S");
    }

    /** One look at a process's threads: how many are inside a FIFO system call, and in which. */
    record FifoCalls(int inFifoCall, int threads, Map<String, Integer> bySyscall) {
        String describe() {
            StringBuilder sb = new StringBuilder();
            bySyscall.forEach((k, v) -> sb.append(sb.length() == 0 ? "" : ", ").append(k).append(" ").append(v));
            return sb.length() == 0 ? "none" : sb.toString();
        }
    }

    // system call numbers, x86_64 and aarch64 (arch/x86/entry/syscalls/syscall_64.tbl, include/uapi/asm-generic/unistd.h)
    private static final boolean AARCH64 = System.getProperty("os.arch").equals("aarch64");
    private static final Map<Integer, String> FD_CALLS = AARCH64
            ? Map.of(63, "read", 64, "write", 65, "readv", 66, "writev", 67, "pread64", 68, "pwrite64")
            : Map.of(0, "read", 1, "write", 19, "readv", 20, "writev", 17, "pread64", 18, "pwrite64");
    private static final Map<Integer, String> POLL_CALLS = AARCH64 ? Map.of(73, "ppoll") : Map.of(7, "poll", 271, "ppoll");
    private static final Map<Integer, String> EPOLL_CALLS = AARCH64
            ? Map.of(22, "epoll_pwait", 441, "epoll_pwait2")
            : Map.of(232, "epoll_wait", 281, "epoll_pwait", 441, "epoll_pwait2");
    /** open-type calls and the index of their path argument. */
    private static final Map<Integer, Integer> OPEN_PATH_ARG = AARCH64 ? Map.of(56, 1, 437, 1) : Map.of(2, 0, 257, 1, 437, 1);
    private static final Map<Integer, String> OPEN_NAMES = AARCH64 ? Map.of(56, "openat", 437, "openat2")
            : Map.of(2, "open", 257, "openat", 437, "openat2");
    private static final int S_IFMT = 0170000;
    private static final int S_IFIFO = 0010000;

    /**
     * Counts the threads of {@code pid} that are inside a system call on a FIFO right now. A thread
     * is recognised from {@code /proc/PID/task/TID/syscall}, which names the call a thread is
     * blocked in and its arguments ("running" for a thread in user space: not counted):
     * <ul>
     * <li>read/write/readv/writev/pread64/pwrite64 whose descriptor (argument 1) is a FIFO;
     * <li>poll/ppoll whose pollfd array (argument 1, read from {@code /proc/PID/mem}, at most 4,096
     *     entries) holds a FIFO descriptor;
     * <li>epoll_wait/epoll_pwait/epoll_pwait2 on an epoll instance with a FIFO registered (its
     *     {@code tfd:} lines in {@code /proc/PID/fdinfo/EPFD});
     * <li>open/openat/openat2 of a path that is a FIFO (read from {@code /proc/PID/mem}): a
     *     blocking open waiting for the other end.
     * </ul>
     * "A FIFO descriptor" is one whose {@code /proc/PID/fd/N} link leads to a path that {@code stat}s
     * as {@code S_IFIFO} (a named pipe; anonymous pipes such as the library's wake-up pipe are not
     * counted). Each call is reported with the thread's state from {@code stat}, e.g. {@code poll/S}
     * (sleeping in it) or {@code read/R} (runnable inside it); both count. Where the pollfd array or the path cannot be read, the call is counted (against the
     * process, never in its favour) under a name marked with '?'.
     */
    static FifoCalls fifoCalls(long pid) {
        Path proc = Path.of("/proc", String.valueOf(pid));
        Map<Integer, Boolean> fifoFd = new HashMap<>();
        Map<String, Integer> by = new TreeMap<>();
        int threads = 0;
        int inFifo = 0;
        try (DirectoryStream<Path> tasks = Files.newDirectoryStream(proc.resolve("task"));
                RandomAccessFile mem = openMem(proc)) {
            for (Path task : tasks) {
                String line;
                try {
                    line = Files.readString(task.resolve("syscall"), StandardCharsets.US_ASCII).trim();
                } catch (IOException gone) {
                    continue;
                }
                threads++;
                if (line.isEmpty() || line.startsWith("running") || line.startsWith("-1")) {
                    continue;
                }
                String[] w = line.split("\\s+");
                int nr = Integer.parseInt(w[0]);
                long[] arg = new long[6];
                for (int i = 0; i < 6 && i + 1 < w.length; i++) {
                    arg[i] = Long.parseUnsignedLong(w[i + 1].substring(2), 16);
                }
                String name = null;
                if (FD_CALLS.containsKey(nr)) {
                    if (isFifoFd(proc, (int) arg[0], fifoFd)) {
                        name = FD_CALLS.get(nr);
                    }
                } else if (POLL_CALLS.containsKey(nr)) {
                    Boolean any = pollsFifo(proc, mem, arg[0], arg[1], fifoFd);
                    if (any == null || any) {
                        name = POLL_CALLS.get(nr) + (any == null ? "?" : "");
                    }
                } else if (EPOLL_CALLS.containsKey(nr)) {
                    if (epollHasFifo(proc, (int) arg[0], fifoFd)) {
                        name = EPOLL_CALLS.get(nr);
                    }
                } else if (OPEN_PATH_ARG.containsKey(nr)) {
                    String path = readCString(mem, arg[OPEN_PATH_ARG.get(nr)]);
                    if (path == null || isFifoPath(path.startsWith("/") ? Path.of(path) : proc.resolve("cwd").resolve(path))) {
                        name = OPEN_NAMES.get(nr) + (path == null ? "?" : "");
                    }
                }
                if (name != null) {
                    inFifo++;
                    by.merge(name + "/" + state(task), 1, Integer::sum);
                }
            }
        } catch (IOException e) {
            throw new IllegalStateException("cannot read " + proc + "/task: " + e, e);
        }
        return new FifoCalls(inFifo, threads, by);
    }

    /** The task's state letter from {@code stat}: S (sleeping: blocked), R (runnable: in the call, not waiting), D... */
    private static String state(Path task) {
        try {
            String stat = Files.readString(task.resolve("stat"), StandardCharsets.US_ASCII);
            return stat.substring(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
        } catch (IOException | RuntimeException e) {
            return "?";
        }
    }

    private static RandomAccessFile openMem(Path proc) {
        try {
            return new RandomAccessFile(proc.resolve("mem").toFile(), "r");
        } catch (IOException e) {
            return null; // no ptrace access: pollfd arrays and paths count as FIFO calls ('?')
        }
    }

    private static boolean isFifoFd(Path proc, int fd, Map<Integer, Boolean> cache) {
        return cache.computeIfAbsent(fd, f -> {
            try {
                Path target = Files.readSymbolicLink(proc.resolve("fd").resolve(String.valueOf(f)));
                return target.isAbsolute() && isFifoPath(target);
            } catch (IOException | UnsupportedOperationException e) {
                return false; // closed meanwhile
            }
        });
    }

    private static boolean isFifoPath(Path p) {
        try {
            int mode = (Integer) Files.getAttribute(p, "unix:mode", LinkOption.NOFOLLOW_LINKS);
            return (mode & S_IFMT) == S_IFIFO;
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }

    /** @return whether the pollfd array holds a FIFO descriptor, or null if it cannot be read */
    private static Boolean pollsFifo(Path proc, RandomAccessFile mem, long address, long nfds, Map<Integer, Boolean> cache) {
        if (mem == null) {
            return null;
        }
        int n = (int) Math.min(nfds, 4096);
        byte[] buf = new byte[n * 8]; // struct pollfd { int fd; short events; short revents; }
        try {
            mem.seek(address);
            mem.readFully(buf);
        } catch (IOException e) {
            return null;
        }
        for (int i = 0; i < n; i++) {
            int fd = (buf[8 * i] & 0xff) | (buf[8 * i + 1] & 0xff) << 8 | (buf[8 * i + 2] & 0xff) << 16 | buf[8 * i + 3] << 24;
            if (fd >= 0 && isFifoFd(proc, fd, cache)) {
                return true;
            }
        }
        return false;
    }

    private static boolean epollHasFifo(Path proc, int epfd, Map<Integer, Boolean> cache) {
        try (BufferedReader r = Files.newBufferedReader(proc.resolve("fdinfo").resolve(String.valueOf(epfd)), StandardCharsets.US_ASCII)) {
            String line;
            while ((line = r.readLine()) != null) {
                if (line.startsWith("tfd:")) {
                    int fd = Integer.parseInt(line.substring(4).trim().split("\\s+")[0]);
                    if (isFifoFd(proc, fd, cache)) {
                        return true;
                    }
                }
            }
        } catch (IOException | RuntimeException e) {
            return false;
        }
        return false;
    }

    /** A NUL-terminated string at {@code address}, read a page at a time (a string may end before a page that is not mapped). */
    private static String readCString(RandomAccessFile mem, long address) {
        if (mem == null) {
            return null;
        }
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        long at = address;
        try {
            while (out.size() < 4096) {
                byte[] buf = new byte[(int) (4096 - (at & 4095))];
                mem.seek(at);
                int len = mem.read(buf);
                if (len <= 0) {
                    return null;
                }
                for (int i = 0; i < len; i++) {
                    if (buf[i] == 0) {
                        out.write(buf, 0, i);
                        return out.toString(StandardCharsets.UTF_8);
                    }
                }
                out.write(buf, 0, len);
                at += len;
            }
        } catch (IOException e) {
            return null;
        }
        return null;
    }
}
