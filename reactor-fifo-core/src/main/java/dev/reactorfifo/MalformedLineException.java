package dev.reactorfifo;

import java.nio.charset.CharacterCodingException;

/**
 * A line held bytes that are not valid in the reader's charset and
 * {@link ReadOptions#malformedInput(java.nio.charset.CodingErrorAction) malformedInput(REPORT)}
 * was chosen. The message names the source and the line number.
 */
public class MalformedLineException extends CharacterCodingException {

    private static final long serialVersionUID = 1L;

    private final String message;
    private final long lineNumber;

    /**
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

    /** @return the 1-based number of the line that failed to decode */
    public long lineNumber() {
        return lineNumber;
    }
}
