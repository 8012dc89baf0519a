package dev.ncsn.model.data;

/**
 * Training data could not be read: a missing or unreadable file, a wrong magic number, a truncated file, images of
 * different sizes, a directory holding no known format.
 *
 * <p>Unchecked, like {@code CheckpointException}: a caller can only report it, and the message is written for that
 * report, naming the source and saying what was expected and what was found.
 */
public class DatasetException extends RuntimeException {

    public DatasetException(String message) {
        super(message);
    }

    public DatasetException(String message, Throwable cause) {
        super(message, cause);
    }
}
