package dev.reactorfifo.internal;

import dev.reactorfifo.NotAFifoException;
import dev.reactorfifo.UnsafeFifoException;
import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;

/** Creating, checking and deleting FIFOs: mkfifo, chmod, stat, unlink. */
public final class FifoLifecycle {

    private static final int PERMISSION_BITS = 0777;

    private FifoLifecycle() {
    }

    /** @return the mode bits of {@code permissions} */
    public static int mode(Set<PosixFilePermission> permissions) {
        int mode = 0;
        for (PosixFilePermission p : permissions) {
            mode |= 1 << (8 - p.ordinal()); // OWNER_READ is ordinal 0 = 0400 ... OTHERS_EXECUTE 8 = 0001
        }
        return mode;
    }

    /**
     * mkfifo, then chmod to exactly {@code mode}: mkfifo applies the umask, and changing the
     * process-wide umask instead would race with every other thread creating files.
     */
    public static void create(String path, int mode) throws IOException {
        int rc = Posix.mkfifo(path, mode);
        if (rc < 0) {
            throw Errors.toException(-rc, path, "mkfifo");
        }
        rc = Posix.chmod(path, mode);
        if (rc < 0) {
            IOException e = Errors.toException(-rc, path, "chmod");
            int removed = Posix.unlink(path); // never leave a FIFO with the umask's permissions behind
            if (removed < 0) {
                e.addSuppressed(Errors.toException(-removed, path, "unlink"));
            }
            throw e;
        }
    }

    public static void createIfAbsent(String path, int mode) throws IOException {
        for (int attempt = 0; ; attempt++) {
            try {
                create(path, mode);
                return;
            } catch (FileAlreadyExistsException exists) {
                FileStatus stat = Posix.lstat(path); // the path itself: a link there is refused, not followed
                if (stat.errno() == Posix.ENOENT && attempt < 3) {
                    continue; // deleted between mkfifo and stat: try to create it again
                }
                if (stat.failed()) {
                    throw Errors.toException(stat.errno(), path, "stat");
                }
                requireReusable(path, stat, mode);
                return;
            }
        }
    }

    private static void requireReusable(String path, FileStatus stat, int mode) throws FileSystemException {
        if (stat.type() == FileStatus.Type.SYMBOLIC_LINK) {
            throw Errors.symbolicLink(path);
        }
        if (!stat.isFifo()) {
            throw new NotAFifoException(path, stat.describeType());
        }
        int euid = Posix.geteuid();
        if (stat.uid() != euid) {
            throw new UnsafeFifoException(path, "the existing FIFO belongs to uid " + stat.uid()
                    + ", not to this user (uid " + euid + "); refusing to reuse it");
        }
        int actual = stat.mode() & PERMISSION_BITS;
        if ((actual & ~mode) != 0) {
            throw new UnsafeFifoException(path, "the existing FIFO's permissions "
                    + describe(actual) + " are wider than the requested " + describe(mode)
                    + "; refusing to reuse it");
        }
    }

    private static String describe(int mode) {
        StringBuilder s = new StringBuilder(9);
        String letters = "rwxrwxrwx";
        for (int bit = 0; bit < 9; bit++) {
            s.append((mode & (1 << (8 - bit))) != 0 ? letters.charAt(bit) : '-');
        }
        return s.toString();
    }

    /**
     * Unlinks {@code path} if it is a FIFO.
     *
     * @return false if nothing was there
     * @throws NotAFifoException if it is anything else, which is left in place
     */
    public static boolean deleteIfExists(String path) throws IOException {
        FileStatus stat = Posix.lstat(path);
        if (stat.errno() == Posix.ENOENT) {
            return false;
        }
        if (stat.failed()) {
            throw Errors.toException(stat.errno(), path, "lstat");
        }
        if (!stat.isFifo()) {
            throw new NotAFifoException(path, stat.describeType() + "; refusing to delete it");
        }
        int rc = Posix.unlink(path);
        if (rc == -Posix.ENOENT) {
            return false;
        }
        if (rc < 0) {
            throw Errors.toException(-rc, path, "unlink");
        }
        return true;
    }

    public static Path createPrivateTempDirectory() throws IOException {
        Posix.requireNative(); // fail with UnsupportedOperationException before leaving a folder behind
        Set<PosixFilePermission> ownerOnly = PosixFilePermissions.fromString("rwx------");
        // created rwx------ at most, so never wider even for a moment; then exactly rwx------,
        // because mkdir applies the umask to the attribute as mkfifo does to its mode
        Path directory = Files.createTempDirectory("reactor-fifo-", PosixFilePermissions.asFileAttribute(ownerOnly));
        try {
            Files.setPosixFilePermissions(directory, ownerOnly);
        } catch (IOException | RuntimeException e) {
            deleteDirectoryQuietly(directory, e);
            throw e;
        }
        return directory;
    }

    public static void deleteDirectoryQuietly(Path directory, Throwable cause) {
        try {
            Files.deleteIfExists(directory);
        } catch (IOException e) {
            cause.addSuppressed(e);
        }
    }
}
