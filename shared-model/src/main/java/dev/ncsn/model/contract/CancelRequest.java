package dev.ncsn.model.contract;

import java.time.Instant;

/** Asks whoever runs (or will run) the job to stop it. JSON on {@link Topics#CONTROL}, keyed by job id. */
public record CancelRequest(String jobId, Instant requestedAt) {
}
