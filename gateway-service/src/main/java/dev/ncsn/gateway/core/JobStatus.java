package dev.ncsn.gateway.core;

import com.fasterxml.jackson.annotation.JsonValue;

import java.util.Locale;

/** A job's status as the gateway derives it from the events on the frames topic. */
public enum JobStatus {
    /** Submitted; no worker has reported a frame yet. */
    QUEUED,
    /** A worker has reported at least one frame. */
    RUNNING,
    DONE,
    FAILED,
    CANCELLED;

    public boolean terminal() {
        return this == DONE || this == FAILED || this == CANCELLED;
    }

    @JsonValue
    public String json() {
        return name().toLowerCase(Locale.ROOT);
    }
}
