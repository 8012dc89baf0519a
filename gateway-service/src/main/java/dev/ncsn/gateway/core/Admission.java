package dev.ncsn.gateway.core;

import dev.ncsn.common.api.Problem;
import dev.ncsn.gateway.config.GatewaySettings;
import dev.ncsn.gateway.kafka.Backlog;

import java.util.Map;

/** Whether a new job may be submitted now: refused with 429 while the sampler pool's backlog is at its limit. */
public final class Admission {

    private final Backlog backlog;
    private final GatewaySettings.Backlog limits;

    public Admission(Backlog backlog, GatewaySettings.Backlog limits) {
        this.backlog = backlog;
        this.limits = limits;
    }

    /** Returns when the job may go ahead; throws a 429 problem with {@code Retry-After} otherwise. */
    public void admit() {
        Backlog.Snapshot b = backlog.current();
        long max = limits.maxDepth();
        if (b.known() && b.depth() >= max) {
            long retry = Math.max(1, limits.retryAfter().toSeconds());
            throw new ProblemException(Problem.of(429, "backlog", "Too many queued jobs",
                    b.depth() + " requests are waiting for the samplers (the limit is " + max + "); retry in "
                            + retry + " s"), Map.of("Retry-After", Long.toString(retry)));
        }
    }
}
