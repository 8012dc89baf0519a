package dev.ncsn.trainer.core;

/** A run request that cannot be run as it is; the message names the field and what is wrong. */
public final class InvalidRunException extends IllegalArgumentException {

    public InvalidRunException(String message) {
        super(message);
    }

    public InvalidRunException(String message, Throwable cause) {
        super(message, cause);
    }
}
