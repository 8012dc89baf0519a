package dev.ncsn.trainer.core;

/** Where a run is. */
public enum RunStatus {
    /** Training (or loading data, or publishing). */
    RUNNING,
    /** A continuous run that has trained its segment and waits for a newer version of its dataset. */
    WAITING_FOR_DATA,
    /** Stopped on request; its state is saved. {@code POST /v1/runs/{id}/resume} continues it. */
    STOPPED,
    /** Stopped because the service shut down; resumed when the service starts again. */
    INTERRUPTED,
    /** Trained all its steps (not continuous). */
    COMPLETED,
    /** Ended by an error; {@code error} says which. Resuming retries from the last saved state. */
    FAILED;

    /** Whether a trainer that starts should pick the run up again: it was running when the trainer went away. */
    public boolean resumesOnStart() {
        return this == RUNNING || this == WAITING_FOR_DATA || this == INTERRUPTED;
    }

    public boolean isActive() {
        return this == RUNNING || this == WAITING_FOR_DATA;
    }
}
