package dev.ncsn.model.checkpoint;

/**
 * A checkpoint could not be written, or what was read is not a valid checkpoint for what the caller expects
 * (checksum mismatch, truncated file, unknown format version, parameter names or shapes that do not fit the model,
 * a different architecture or noise schedule, an unreadable manifest, an I/O error).
 *
 * <p>Unchecked: there is nothing a caller can do with a broken checkpoint but report it, and the message is written
 * for that report, saying what was expected and what was found.
 */
public class CheckpointException extends RuntimeException {

    public CheckpointException(String message) {
        super(message);
    }

    public CheckpointException(String message, Throwable cause) {
        super(message, cause);
    }
}
