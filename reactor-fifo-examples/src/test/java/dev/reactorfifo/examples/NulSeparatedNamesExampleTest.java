package dev.reactorfifo.examples;

import static org.assertj.core.api.Assertions.assertThat;

import dev.reactorfifo.NamedPipe;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * NulSeparatedNamesExample between a real {@code find -print0} and, passing names on, a real
 * {@code xargs -0}, over real FIFOs, with file names that a line-per-name pipeline would tear.
 */
@Timeout(120)
class NulSeparatedNamesExampleTest extends ExampleProcessTestCase {

    /** Relative to the tree; "sub dir" is made first. Spaces, tabs, newlines, quotes, a leading '-', non-ASCII. */
    private static final List<String> NAMES = List.of(
            "my notes.txt",
            "two\nlines.txt",
            "-n \"quoted\" it's.txt",
            "tab\there.md",
            "café.PDF",
            "sub dir/résumé.pdf",
            "sub dir/日本語.テキスト",
            ".bashrc",
            "README",
            "x.t\nxt",
            "ends with a newline\n");

    @Test
    void countsTheNamesOfFindPrint0PerExtension() throws Exception {
        Path tree = makeTree(NAMES);
        Path names = NamedPipe.create(dir.resolve("names")).path();

        example = new InBackground("NulSeparatedNamesExample",
                () -> NulSeparatedNamesExample.run(new String[] {names.toString()}, out.stream, err.stream));
        Processes.Started find = find(tree, names);

        assertThat(find.exitCode(Processes.PATIENCE)).as("find: %s", find.err()).isZero();
        assertThat(example.exitCode(Processes.PATIENCE)).as("errors: %s", err.text()).isZero();
        // read as one name per line, the two names with a newline inside would be four, and
        // "ends with a newline\n" would leave an empty one
        assertThat(out.lines()).containsExactly(
                "      4 (none)",
                "      3 .txt",
                "      2 .pdf",
                "      1 .md",
                "      1 .テキスト",
                "11 names, 5 extensions");
        assertThat(err.text()).isEmpty();
    }

    /** Every name with the extension reaches xargs as exactly one argument: the tool prints each of its arguments NUL-ended. */
    @Test
    void passesTheNamesWithAnExtensionOnToXargs0() throws Exception {
        Path tree = makeTree(NAMES);
        Path names = NamedPipe.create(dir.resolve("names")).path();
        Path output = NamedPipe.create(dir.resolve("txt")).path();
        Path received = dir.resolve("received");

        example = new InBackground("NulSeparatedNamesExample", () -> NulSeparatedNamesExample.run(
                new String[] {names.toString(), "TXT", output.toString()}, out.stream, err.stream));
        Processes.Started xargs = processes.sh("exec xargs -0 printf '%s\\0' < " + output + " > " + received);
        Processes.Started find = find(tree, names);

        assertThat(find.exitCode(Processes.PATIENCE)).as("find: %s", find.err()).isZero();
        assertThat(example.exitCode(Processes.PATIENCE)).as("errors: %s", err.text()).isZero();
        assertThat(xargs.exitCode(Processes.PATIENCE)).as("xargs: %s", xargs.err()).isZero();

        String arguments = Files.readString(received, StandardCharsets.UTF_8);
        assertThat(arguments).endsWith("\0");
        assertThat(arguments.split("\0")).containsExactlyInAnyOrder( // in find's order, which is the directory's
                tree + "/my notes.txt", tree + "/two\nlines.txt", tree + "/-n \"quoted\" it's.txt");
        assertThat(out.lines()).containsExactly("Names: 3 of 11 names end in .txt");
        assertThat(err.text()).isEmpty();
    }

    /**
     * Linux file names are bytes, and not always UTF-8. Counting replaces such a byte, but a name
     * passed on must be the file's exact name: the example stops with one line instead.
     */
    @Test
    void aNameThatIsNotUtf8StopsPassingNamesOn() throws Exception {
        Path tree = makeTree(List.of("a.txt"));
        makeFiles(tree, new byte[] {'b', 'a', 'd', (byte) 0xff, '.', 't', 'x', 't'}); // 0xff is never UTF-8
        Path names = NamedPipe.create(dir.resolve("names")).path();
        Path output = NamedPipe.create(dir.resolve("txt")).path();

        example = new InBackground("NulSeparatedNamesExample", () -> NulSeparatedNamesExample.run(
                new String[] {names.toString(), "txt", output.toString()}, out.stream, err.stream));
        Processes.Started xargs = processes.sh("exec xargs -0 printf '%s\\0' < " + output);
        Processes.Started find = find(tree, names);

        assertThat(find.exitCode(Processes.PATIENCE)).as("find: %s", find.err()).isZero();
        assertThat(example.exitCode(Processes.PATIENCE)).isEqualTo(1);
        assertThat(xargs.exitCode(Processes.PATIENCE)).isZero();
        assertThat(err.lines()).singleElement().asString()
                .startsWith("Names error: " + names + ": ")
                .contains("not valid UTF-8");
        assertThat(xargs.out()).doesNotContain("bad");
        assertThat(out.text()).isEmpty();
    }

    @Test
    void theExtensionIsLettersAndDigitsAfterTheLastDotOfTheFileName() {
        assertThat(NulSeparatedNamesExample.extensionOf("dir/Report 2024.PDF")).isEqualTo(".pdf");
        assertThat(NulSeparatedNamesExample.extensionOf("backup.tar.gz")).isEqualTo(".gz");
        assertThat(NulSeparatedNamesExample.extensionOf("日本語.テキスト")).isEqualTo(".テキスト");
        assertThat(NulSeparatedNamesExample.extensionOf("README")).isEqualTo("(none)");
        assertThat(NulSeparatedNamesExample.extensionOf("home/.bashrc")).isEqualTo("(none)");
        assertThat(NulSeparatedNamesExample.extensionOf("x.")).isEqualTo("(none)");
        assertThat(NulSeparatedNamesExample.extensionOf("v1.0 final")).isEqualTo("(none)");
        assertThat(NulSeparatedNamesExample.extensionOf("x.t\nxt")).isEqualTo("(none)");
        assertThat(NulSeparatedNamesExample.extensionOf("a.dir/README")).isEqualTo("(none)");
    }

    @Test
    void wrongArgumentsAreAUsageError() {
        assertThat(NulSeparatedNamesExample.run(new String[] {}, out.stream, err.stream)).isEqualTo(2);
        assertThat(NulSeparatedNamesExample.run(new String[] {"names", "t x t", "out"}, out.stream, err.stream))
                .isEqualTo(2);
        assertThat(err.lines()).hasSize(4).allMatch(line -> line.contains("NulSeparatedNamesExample <names-fifo>"));
    }

    /** {@code find TREE -type f -print0 > FIFO}, paths passed as arguments, not spliced into the script. */
    private Processes.Started find(Path tree, Path fifo) throws Exception {
        return processes.start(new ProcessBuilder("sh", "-c", "exec find \"$1\" -type f -print0 > \"$2\"",
                "sh", tree.toString(), fifo.toString()));
    }

    /** A fresh tree holding {@code names}, with "sub dir" made for those in it. */
    private Path makeTree(List<String> names) throws Exception {
        Path tree = Files.createDirectories(dir.resolve("tree").resolve("sub dir")).getParent();
        makeFiles(tree, names.stream().map(name -> name.getBytes(StandardCharsets.UTF_8)).toArray(byte[][]::new));
        return tree;
    }

    /**
     * Creates the files with {@code xargs -0 touch} from their names' bytes. Not with
     * {@code Files.createFile}: a JVM started without a UTF-8 locale cannot make a path of
     * "café.PDF", while find, xargs and the example see names as bytes whatever the locale.
     */
    private void makeFiles(Path tree, byte[]... names) throws Exception {
        ByteArrayOutputStream list = new ByteArrayOutputStream();
        for (byte[] name : names) {
            list.write(name);
            list.write(0);
        }
        Path file = Files.write(Files.createTempFile(dir, "names", ".bin"), list.toByteArray());
        Processes.Started touch = processes.start(new ProcessBuilder("sh", "-c", "cd \"$1\" && exec xargs -0 touch -- < \"$2\"",
                "sh", tree.toString(), file.toString()));
        assertThat(touch.exitCode(Processes.PATIENCE)).as("touch: %s", touch.err()).isZero();
    }
}
