package dev.ncsn.trainer.core;

/** A request that conflicts with a run's state (HTTP 409): the id exists, the run is not running, the trainer is full. */
public final class RunConflictException extends RuntimeException {
    public RunConflictException(String message) {
        super(message);
    }
}
