package dev.reactorfifo;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A {@code chmod} that fails after {@code mkfifo} leaves no FIFO behind (with the umask's
 * permissions, which may be wider than asked). The creator owns the new FIFO, so its chmod does
 * not fail by itself: the kernel's answer is replaced by {@code EPERM} with strace's fault
 * injection, for that path only ({@code -P}), in a child JVM that creates the FIFO.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ChmodFailureTest {

    @TempDir
    Path dir;

    @Test
    void theNewFifoIsRemovedWhenChmodFails() throws Exception {
        FifoTestSupport.assumeLinux();
        Assumptions.assumeTrue(straceWorks(), "strace with ptrace allowed (.ci/run installs it)");
        Path fifo = dir.resolve("fifo");
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process child = new ProcessBuilder("strace", "-f", "-qq", "-o", "/dev/null", "-P", fifo.toString(),
                "-e", "trace=chmod,fchmodat", "-e", "inject=chmod,fchmodat:error=EPERM",
                java, "-XX:-UsePerfData", "-cp", System.getProperty("java.class.path"),
                ChmodFailureProbe.class.getName(), fifo.toString())
                .redirectErrorStream(true)
                .start();
        try {
            assertThat(child.waitFor(45, TimeUnit.SECONDS)).as("the probe ends").isTrue();
            String out = new String(child.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            // only the probe's own lines: a JDK may print warnings around them (JDK 24+: native access)
            List<String> lines = out.lines()
                    .filter(l -> l.startsWith("failed ") || l.equals("created") || l.endsWith(" left") || l.equals("left behind"))
                    .toList();
            assertThat(lines).containsExactly(
                    "failed java.nio.file.AccessDeniedException: " + fifo + ": Operation not permitted",
                    "nothing left");
        } finally {
            child.destroyForcibly();
        }
    }

    private static boolean straceWorks() {
        try {
            Process p = new ProcessBuilder("strace", "-qq", "-o", "/dev/null", "true").redirectErrorStream(true).start();
            return p.waitFor(10, TimeUnit.SECONDS) && p.exitValue() == 0;
        } catch (Exception e) {
            return false;
        }
    }
}
