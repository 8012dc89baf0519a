package dev.ncsn.gateway.core;

import dev.ncsn.common.config.S3Config;
import dev.ncsn.gateway.config.GatewayConfig;
import dev.ncsn.gateway.config.GatewaySettings;
import dev.ncsn.gateway.kafka.RequestPublisher;
import io.opentelemetry.api.OpenTelemetry;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;
import org.eclipse.microprofile.config.inject.ConfigProperty;

import java.time.Clock;

/** The Quarkus side of the {@link GatewayNode}: builds it from the configuration, starts it, stops it. */
@ApplicationScoped
public class GatewayService {

    @Produces
    @Singleton
    GatewayNode node(GatewayConfig config, S3Config s3, RequestPublisher publisher, MeterRegistry meters,
                     @ConfigProperty(name = "kafka.bootstrap.servers", defaultValue = "localhost:9092")
                     String bootstrapServers, OpenTelemetry otel) {
        return new GatewayNode(GatewaySettings.from(config, bootstrapServers), s3.toEndpoint().openModelStore(),
                publisher, meters, Clock.systemUTC(), otel);
    }

    void start(@Observes StartupEvent event, GatewayNode node) {
        node.start();
    }

    void stop(@Observes ShutdownEvent event, GatewayNode node) {
        node.close();
    }
}
