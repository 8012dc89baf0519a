package dev.ncsn.gateway;

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
        Gateway gateway;

        @Override
        public HealthCheckResponse call() {
            EventFeed feed = gateway.feed();
            HealthCheckResponseBuilder b = HealthCheckResponse.named("gateway")
                    .status(feed != null && feed.ready())
                    .withData("replica", String.valueOf(gateway.replicaId()))
                    .withData("jobs", gateway.registry() == null ? 0 : gateway.registry().size())
                    .withData("bufferedBytes", gateway.registry() == null ? 0 : gateway.registry().bytes())
                    .withData("openStreams", gateway.openStreams());
            Backlog.Snapshot backlog = gateway.backlog() == null ? null : gateway.backlog().peek();
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
        Gateway gateway;

        @Override
        public HealthCheckResponse call() {
            String broken = gateway.feed() == null ? null : gateway.feed().broken();
            HealthCheckResponseBuilder b = HealthCheckResponse.named("gateway").status(broken == null);
            if (broken != null) {
                b.withData("reason", broken);
            }
            return b.build();
        }
    }
}
