package dev.ncsn.sampler.api;

import dev.ncsn.sampler.SamplerService;
import dev.ncsn.sampler.core.ModelReloader;
import dev.ncsn.sampler.core.SamplerNode;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.HealthCheckResponseBuilder;
import org.eclipse.microprofile.health.Readiness;

/**
 * Ready once every served model has a live version loaded and the request consumer has joined the group. A
 * rejected reload does not make the worker unready (the old version keeps serving); it shows in the data.
 */
@Readiness
@ApplicationScoped
public class SamplerReadiness implements HealthCheck {

    @Inject
    SamplerService service;

    @Override
    public HealthCheckResponse call() {
        SamplerNode node = service.node();
        HealthCheckResponseBuilder b = HealthCheckResponse.named("sampler");
        if (node == null) {
            return b.down().withData("reason", "not started").build();
        }
        b.status(node.ready());
        b.withData("instance", node.settings().instanceId()); // which worker answered (a pod, a process)
        node.versions().forEach((model, version) -> b.withData("model." + model, version == null ? "none" : version));
        b.withData("jobsInFlight", node.worker().inFlight());
        ModelReloader.Failure failure = node.reloader().lastFailure();
        if (failure != null) {
            b.withData("lastRejectedVersion", failure.model() + "/" + failure.version() + " at " + failure.at()
                    + ": " + failure.reason());
        }
        return b.build();
    }
}
