package dev.reactorfifo.internal;

/**
 * What {@code stat(2)}, {@code lstat(2)} or {@code fstat(2)} said of a file, or the errno it
 * failed with: the posix layer's answer, free of jnr types. Immutable.
 */
public final class FileStatus {

    /** The file types the library tells apart in its messages. */
    public enum Type {
        FIFO("a FIFO"),
        REGULAR_FILE("a regular file"),
        DIRECTORY("a directory"),
        SOCKET("a Unix domain socket"),
        CHARACTER_DEVICE("a character device"),
        BLOCK_DEVICE("a block device"),
        SYMBOLIC_LINK("a symbolic link"),
        OTHER("not a FIFO");

        private final String description;

        Type(String description) {
            this.description = description;
        }
    }

    private final int errno;
    private final Type type;
    private final int uid;
    private final int mode;

    FileStatus(Type type, int uid, int mode) {
        this(0, type, uid, mode);
    }

    private FileStatus(int errno, Type type, int uid, int mode) {
        this.errno = errno;
        this.type = type;
        this.uid = uid;
        this.mode = mode;
    }

    static FileStatus failed(int errno) {
        return new FileStatus(errno, Type.OTHER, -1, 0);
    }

    /** @return the errno the call failed with, or 0 if it succeeded */
    public int errno() {
        return errno;
    }

    public boolean failed() {
        return errno != 0;
    }

    public Type type() {
        return type;
    }

    public boolean isFifo() {
        return !failed() && type == Type.FIFO;
    }

    public int uid() {
        return uid;
    }

    /** @return the {@code st_mode} bits, type included */
    public int mode() {
        return mode;
    }

    /** @return what a file that is not a FIFO is, for {@link dev.reactorfifo.NotAFifoException}'s reason */
    public String describeType() {
        if (type == Type.OTHER) {
            return "is not a FIFO (mode " + Integer.toOctalString(mode) + ")";
        }
        return "is " + type.description + ", not a FIFO";
    }
}
