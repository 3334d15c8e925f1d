package dev.reactorfifo;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * JDK 24+ restricts JNI (JEP 472): a JVM started with {@code --illegal-native-access=deny}, as a
 * later JDK will be by default, refuses jffi's {@code System.load}. The library must then fail
 * with an error that tells the user what to do, naming {@code --enable-native-access}, rather than
 * a bare {@code IllegalCallerException} deep in jffi.
 */
class NativeAccessDeniedTest {

    /** The first line the child prints: what {@code NamedPipe.createTemp()} threw, as {@code toString()}. */
    private static final String FAILED = "createTemp failed: ";
    private static final String CREATED = "createTemp succeeded";

    @Test
    @Timeout(60)
    void deniedNativeAccessFailsWithAMessageNamingTheFlag() throws Exception {
        Assumptions.assumeTrue(Runtime.version().feature() >= 24,
                "--illegal-native-access exists from JDK 24 on; this JDK is " + Runtime.version());
        String java = ProcessHandle.current().info().command()
                .orElseThrow(() -> new IllegalStateException("cannot tell which java runs this test"));

        Process child = new ProcessBuilder(List.of(java,
                "--illegal-native-access=deny",
                "-cp", System.getProperty("java.class.path"),
                Child.class.getName()))
                .redirectErrorStream(true)
                .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
                .start();
        CompletableFuture<String> output = readAll(child.getInputStream());
        try {
            assertThat(child.waitFor(45, TimeUnit.SECONDS)).as("the child JVM exits").isTrue();
            String text = output.get(5, TimeUnit.SECONDS);
            String first = text.lines().findFirst().orElse("");

            assertThat(first).as("the child's output:%n%s", text).startsWith(FAILED);
            assertThat(first).as("the exception NamedPipe.createTemp() throws with native access denied; the child's output:%n%s", text)
                    .contains("--enable-native-access");
        } finally {
            child.destroyForcibly();
        }
    }

    private static CompletableFuture<String> readAll(InputStream in) {
        return CompletableFuture.supplyAsync(() -> {
            try (in) {
                return new String(in.readAllBytes(), StandardCharsets.UTF_8);
            } catch (IOException e) {
                return "(could not read the child's output: " + e + ")";
            }
        });
    }

    /** Runs in the child JVM: tries the first native call a user makes and says what happened. */
    static final class Child {
        public static void main(String[] args) {
            try {
                NamedPipe pipe = NamedPipe.createTemp();
                System.out.println(CREATED + ": " + pipe.path());
                pipe.deleteIfExists();
            } catch (Throwable t) {
                System.out.println(FAILED + t);
                t.printStackTrace(System.out);
            }
        }
    }
}
