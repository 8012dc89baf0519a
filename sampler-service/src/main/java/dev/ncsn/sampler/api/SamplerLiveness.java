package dev.ncsn.sampler.api;

import dev.ncsn.sampler.SamplerService;
import dev.ncsn.sampler.core.SamplerNode;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Liveness;

/**
 * Down when the worker cannot go on: its sampling or consumer thread died, or a terminal event could not be
 * stored. A restart is then the fix: the unfinished jobs are uncommitted and run again.
 */
@Liveness
@ApplicationScoped
public class SamplerLiveness implements HealthCheck {

    @Inject
    SamplerService service;

    @Override
    public HealthCheckResponse call() {
        SamplerNode node = service.node();
        String broken = node == null ? null : node.broken();
        return broken == null ? HealthCheckResponse.up("sampler")
                : HealthCheckResponse.named("sampler").down().withData("reason", broken).build();
    }
}
