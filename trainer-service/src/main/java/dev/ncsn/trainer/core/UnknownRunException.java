package dev.ncsn.trainer.core;

/** No run (or model) of that name (HTTP 404). */
public final class UnknownRunException extends RuntimeException {
    public UnknownRunException(String message) {
        super(message);
    }
}
