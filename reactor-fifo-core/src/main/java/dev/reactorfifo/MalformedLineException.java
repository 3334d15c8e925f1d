package dev.reactorfifo;

import java.nio.charset.CharacterCodingException;

/**
 * A line held bytes that are not valid in the reader's charset and
 * {@link ReadOptions#malformedInput(java.nio.charset.CodingErrorAction) malformedInput(REPORT)}
 * was chosen. The message names the source and the line number.
 */
public class MalformedLineException extends CharacterCodingException {

    private static final long serialVersionUID = 1L;

    /** The detail message, naming the source and the line; returned by {@link #getMessage()}. */
    private final String message;
    /** The 1-based number of the line that failed to decode. */
    private final long lineNumber;

    /**
     * Creates an exception for line {@code lineNumber}, which held malformed input.
     *
     * @param message what could not be decoded, naming the source and the line
     * @param lineNumber the 1-based number of the line that failed to decode
     */
    public MalformedLineException(String message, long lineNumber) {
        this.message = message;
        this.lineNumber = lineNumber;
    }

    @Override
    public String getMessage() {
        return message;
    }

    /**
     * Returns the 1-based number of the line that failed to decode.
     *
     * @return the 1-based number of the line that failed to decode
     */
    public long lineNumber() {
        return lineNumber;
    }
}
