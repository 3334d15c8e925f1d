package dev.reactorfifo.examples;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import reactor.core.Exceptions;

/**
 * Turns the errors a user can cause (a wrong path, a file that is not a FIFO, no permission, a
 * reader that went away) into one line on stderr. A command-line program should say what is
 * wrong; a stack trace is for bugs, so anything else is rethrown.
 */
final class ErrorMessages {

    /** Exit code of a program that failed for a reason the user can fix. */
    static final int FAILED = 1;
    /** Exit code for wrong arguments, as most Unix tools do. */
    static final int USAGE = 2;

    private ErrorMessages() {
    }

    /**
     * Prints {@code "<prefix>: <what went wrong>"} and returns {@link #FAILED}.
     *
     * @throws RuntimeException {@code error} itself when it is not an I/O problem (a bug, not
     *     something the user can fix)
     */
    static int report(String prefix, Throwable error, PrintStream err) {
        err.println(prefix + ": " + describe(error));
        return FAILED;
    }

    /** One line saying what went wrong; rethrows what is not a user-level I/O problem. */
    static String describe(Throwable error) {
        // block() wraps checked exceptions (IOException) in an unchecked one: look inside
        Throwable e = Exceptions.unwrap(error);
        String text;
        if (e instanceof FileSystemException) {
            text = describe((FileSystemException) e);
        } else if (e instanceof IOException || e instanceof UnsupportedOperationException) {
            // NoReaderException, BrokenPipeException, LineTooLongException name the path themselves;
            // UnsupportedOperationException: no native POSIX support (Windows)
            text = e.getMessage();
        } else if (e instanceof RuntimeException) {
            throw (RuntimeException) e;
        } else if (e instanceof Error) {
            throw (Error) e;
        } else {
            throw new IllegalStateException(e);
        }
        return String.valueOf(text).replace('\n', ' ');
    }

    private static String describe(FileSystemException e) {
        // getMessage() is "path: reason", but NoSuchFileException and some AccessDeniedExceptions
        // carry no reason, and a bare path is no explanation
        if (e.getReason() != null) {
            return e.getMessage();
        }
        if (e instanceof NoSuchFileException) {
            return e.getFile() + ": no such file or directory";
        }
        if (e instanceof AccessDeniedException) {
            return e.getFile() + ": permission denied";
        }
        return e.getFile() + ": " + e.getClass().getSimpleName();
    }
}
