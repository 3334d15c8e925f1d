package dev.reactorfifo;

import static java.nio.file.attribute.PosixFilePermission.GROUP_READ;
import static java.nio.file.attribute.PosixFilePermission.GROUP_WRITE;
import static java.nio.file.attribute.PosixFilePermission.OTHERS_READ;
import static java.nio.file.attribute.PosixFilePermission.OTHERS_WRITE;
import static java.nio.file.attribute.PosixFilePermission.OWNER_READ;
import static java.nio.file.attribute.PosixFilePermission.OWNER_WRITE;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.EnumSet;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** FIFO lifecycle: create, createIfAbsent, createTemp, deleteIfExists. No reading or writing. */
@org.junit.jupiter.api.Timeout(value = 60, unit = java.util.concurrent.TimeUnit.SECONDS)
class NamedPipeTest {

    @TempDir
    Path dir;

    private static boolean isFifo(Path p) throws Exception {
        return Files.readAttributes(p, java.nio.file.attribute.BasicFileAttributes.class,
                LinkOption.NOFOLLOW_LINKS).isOther();
    }

    private static Set<PosixFilePermission> permissions(Path p) throws Exception {
        return Files.getPosixFilePermissions(p, LinkOption.NOFOLLOW_LINKS);
    }

    @Test
    void ofDoesNoIo() {
        NamedPipe pipe = NamedPipe.of(dir.resolve("not there yet"));
        assertThat(pipe.path()).isEqualTo(dir.resolve("not there yet"));
        assertThat(Files.exists(pipe.path())).isFalse();
        assertThat(pipe).isEqualTo(NamedPipe.of(dir.resolve("not there yet")));
    }

    @Test
    void createMakesAnOwnerOnlyFifo() throws Exception {
        NamedPipe pipe = NamedPipe.create(dir.resolve("p"));
        assertThat(isFifo(pipe.path())).isTrue();
        assertThat(permissions(pipe.path())).containsExactlyInAnyOrder(OWNER_READ, OWNER_WRITE);
    }

    @Test
    void createSetsExactlyTheRequestedPermissionsWhateverTheUmask() throws Exception {
        // the JVM's umask is 022 or stricter here, which mkfifo alone would apply to 0666
        Set<PosixFilePermission> wide = EnumSet.of(OWNER_READ, OWNER_WRITE, GROUP_READ, GROUP_WRITE,
                OTHERS_READ, OTHERS_WRITE);
        NamedPipe pipe = NamedPipe.create(dir.resolve("wide"), wide);
        assertThat(permissions(pipe.path())).isEqualTo(wide);
        NamedPipe narrow = NamedPipe.create(dir.resolve("narrow"), EnumSet.of(OWNER_READ));
        assertThat(permissions(narrow.path())).containsExactly(OWNER_READ);
        // the process umask is untouched: a plain file still gets the usual permissions
        Path file = Files.createFile(dir.resolve("plain"));
        assertThat(permissions(file)).doesNotContain(GROUP_WRITE, OTHERS_WRITE);
    }

    @Test
    void createRefusesAnythingThatExists() throws Exception {
        Path file = Files.writeString(dir.resolve("file"), "keep me");
        assertThatThrownBy(() -> NamedPipe.create(file)).isInstanceOf(FileAlreadyExistsException.class)
                .hasMessageContaining(file.toString());
        NamedPipe.create(dir.resolve("fifo"));
        assertThatThrownBy(() -> NamedPipe.create(dir.resolve("fifo"))).isInstanceOf(FileAlreadyExistsException.class);
        assertThat(Files.readString(file)).isEqualTo("keep me");
    }

    @Test
    void createInAMissingFolderIsNoSuchFile() {
        assertThatThrownBy(() -> NamedPipe.create(dir.resolve("no/such/folder/p")))
                .isInstanceOf(NoSuchFileException.class);
    }

    @Test
    void createIfAbsentCreatesOrReusesOurOwnFifo() throws Exception {
        Path path = dir.resolve("p");
        NamedPipe first = NamedPipe.createIfAbsent(path);
        assertThat(isFifo(path)).isTrue();
        NamedPipe again = NamedPipe.createIfAbsent(path);
        assertThat(again).isEqualTo(first);
        // narrower than requested is fine
        NamedPipe.createIfAbsent(path, EnumSet.of(OWNER_READ, OWNER_WRITE, GROUP_READ));
    }

    @Test
    void createIfAbsentRefusesSomethingElse() throws Exception {
        Path file = Files.writeString(dir.resolve("file"), "data");
        assertThatThrownBy(() -> NamedPipe.createIfAbsent(file))
                .isInstanceOf(NotAFifoException.class)
                .hasMessage(file + ": is a regular file, not a FIFO");
        assertThatThrownBy(() -> NamedPipe.createIfAbsent(dir))
                .isInstanceOf(NotAFifoException.class)
                .hasMessageContaining("is a directory");
    }

    @Test
    void createIfAbsentRefusesAFifoWiderThanRequested() throws Exception {
        Path path = dir.resolve("planted");
        NamedPipe.create(path, PosixFilePermissions.fromString("rw-rw-rw-"));
        assertThatThrownBy(() -> NamedPipe.createIfAbsent(path))
                .isInstanceOf(UnsafeFifoException.class)
                .hasMessageContaining("permissions rw-rw-rw- are wider than the requested rw-------");
    }

    @Test
    void createIfAbsentRefusesAFifoOfAnotherUser() throws Exception {
        Path path = dir.resolve("foreign");
        NamedPipe.create(path);
        org.junit.jupiter.api.Assumptions.assumeTrue(chownToNobody(path),
                "cannot give the FIFO to another user here (needs root): skipped");
        assertThatThrownBy(() -> NamedPipe.createIfAbsent(path))
                .isInstanceOf(UnsafeFifoException.class)
                .hasMessageContaining("belongs to uid");
    }

    private static boolean chownToNobody(Path path) throws Exception {
        try {
            Files.setOwner(path, path.getFileSystem().getUserPrincipalLookupService().lookupPrincipalByName("nobody"));
            return true;
        } catch (java.io.IOException | UnsupportedOperationException e) {
            return false;
        }
    }

    /**
     * A symbolic link planted where createIfAbsent would reuse a FIFO is refused, naming it, even
     * when it points at one of this user's own FIFOs (which would pass every other check).
     */
    @Test
    void createIfAbsentRefusesASymbolicLinkToOurOwnFifo() throws Exception {
        Path victim = NamedPipe.create(dir.resolve("victim")).path();
        Path planted = Files.createSymbolicLink(dir.resolve("planted"), victim);
        assertThatThrownBy(() -> NamedPipe.createIfAbsent(planted))
                .isInstanceOf(UnsafeFifoException.class)
                .hasMessageContaining(planted.toString())
                .hasMessageContaining("symbolic link");
        assertThat(Files.isSymbolicLink(planted)).as("left in place").isTrue();
    }

    /**
     * The pipe createIfAbsent returns opens with O_NOFOLLOW: a link swapped in after the check is
     * refused, not followed; NamedPipe.of, whose caller chose the path, follows it (the control).
     */
    @Test
    void aLinkSwappedInAfterTheCheckIsRefusedNotFollowed() throws Exception {
        Path other = NamedPipe.create(dir.resolve("other")).path();
        Path path = dir.resolve("checked");
        NamedPipe checked = NamedPipe.createIfAbsent(path);
        Files.delete(path);
        Files.createSymbolicLink(path, other);
        java.time.Duration wait = java.time.Duration.ofSeconds(10);
        reactor.test.StepVerifier.create(checked.lines())
                .expectErrorSatisfies(e -> assertThat(e).isInstanceOf(UnsafeFifoException.class)
                        .hasMessageContaining(path.toString()).hasMessageContaining("symbolic link"))
                .verify(wait);
        reactor.test.StepVerifier.create(checked.writeLines(reactor.core.publisher.Flux.just("x"),
                        WriteOptions.defaults().awaitReader(false)))
                .expectError(UnsafeFifoException.class)
                .verify(wait);
        // the control: a handle made with of() follows the link to the other FIFO (no reader there)
        reactor.test.StepVerifier.create(NamedPipe.of(path).writeLines(reactor.core.publisher.Flux.just("x"),
                        WriteOptions.defaults().awaitReader(false)))
                .expectError(NoReaderException.class)
                .verify(wait);
    }

    @Test
    void deleteIfExistsDeletesOnlyFifos() throws Exception {
        NamedPipe pipe = NamedPipe.create(dir.resolve("p"));
        assertThat(pipe.deleteIfExists()).isTrue();
        assertThat(Files.exists(pipe.path(), LinkOption.NOFOLLOW_LINKS)).isFalse();
        assertThat(pipe.deleteIfExists()).isFalse();

        Path file = Files.writeString(dir.resolve("file"), "keep me");
        assertThatThrownBy(() -> NamedPipe.of(file).deleteIfExists())
                .isInstanceOf(NotAFifoException.class)
                .hasMessageContaining("refusing to delete it");
        assertThat(Files.readString(file)).isEqualTo("keep me");
    }

    @Test
    void createTempMakesAPrivateFolderThatDeleteRemoves() throws Exception {
        NamedPipe pipe = NamedPipe.createTemp();
        Path folder = pipe.path().getParent();
        try {
            assertThat(isFifo(pipe.path())).isTrue();
            assertThat(permissions(pipe.path())).containsExactlyInAnyOrder(OWNER_READ, OWNER_WRITE);
            assertThat(permissions(folder)).isEqualTo(PosixFilePermissions.fromString("rwx------"));
        } finally {
            assertThat(pipe.deleteIfExists()).isTrue();
        }
        assertThat(Files.exists(folder)).isFalse();
    }
}
