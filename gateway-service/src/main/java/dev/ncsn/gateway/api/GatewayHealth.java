package dev.ncsn.gateway.api;

import dev.ncsn.gateway.core.GatewayNode;
import dev.ncsn.gateway.kafka.Backlog;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.HealthCheckResponseBuilder;
import org.eclipse.microprofile.health.Liveness;
import org.eclipse.microprofile.health.Readiness;

/** Readiness: the event feed reads the frames topic. Liveness: the feed's thread runs. */
public class GatewayHealth {

    @ApplicationScoped
    @Readiness
    public static class Ready implements HealthCheck {

        @Inject
        GatewayNode node;

        @Override
        public HealthCheckResponse call() {
            HealthCheckResponseBuilder b = HealthCheckResponse.named("gateway")
                    .status(node.ready())
                    .withData("replica", node.settings().replicaId())
                    .withData("jobs", node.registry().size())
                    .withData("bufferedBytes", node.registry().bytes())
                    .withData("openStreams", node.openStreams());
            Backlog.Snapshot backlog = node.backlog().peek();
            if (backlog != null && backlog.known()) {
                b.withData("backlog", backlog.depth());
            }
            return b.build();
        }
    }

    @ApplicationScoped
    @Liveness
    public static class Live implements HealthCheck {

        @Inject
        GatewayNode node;

        @Override
        public HealthCheckResponse call() {
            String broken = node.broken();
            HealthCheckResponseBuilder b = HealthCheckResponse.named("gateway").status(broken == null);
            if (broken != null) {
                b.withData("reason", broken);
            }
            return b.build();
        }
    }
}
