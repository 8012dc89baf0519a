package dev.ncsn.sampler;

import dev.ncsn.sampler.config.SamplerConfig;
import dev.ncsn.sampler.config.SamplerSettings;
import dev.ncsn.sampler.core.S3SnapshotStore;
import dev.ncsn.sampler.core.SamplerNode;
import dev.ncsn.sampler.kafka.KafkaChannelSinks;

import dev.ncsn.common.config.InstanceId;
import dev.ncsn.common.config.S3Config;
import dev.ncsn.common.kafka.TopicCreator;
import dev.ncsn.model.contract.TopicPlan;
import dev.ncsn.model.store.ModelStore;
import io.micrometer.core.instrument.MeterRegistry;
import io.opentelemetry.api.OpenTelemetry;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import jakarta.interceptor.Interceptor;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

/**
 * The Quarkus shell around one {@link SamplerNode}: builds it from configuration at start-up (before the
 * SmallRye channels start, so that topics exist and cancels have somewhere to go) and stops it gracefully at
 * shutdown.
 */
@ApplicationScoped
public class SamplerService {

    private static final Logger LOG = Logger.getLogger(SamplerService.class);

    @Inject
    SamplerConfig config;

    @Inject
    S3Config s3;

    @ConfigProperty(name = "kafka.bootstrap.servers")
    String bootstrapServers;

    @Inject
    KafkaChannelSinks sinks;

    @Inject
    MeterRegistry registry;

    /** A no-op unless tracing is on ({@code quarkus.otel.sdk.disabled=false}). */
    @Inject
    OpenTelemetry otel;

    private volatile SamplerNode node;

    void onStart(@Observes @Priority(Interceptor.Priority.PLATFORM_BEFORE) StartupEvent event) {
        SamplerSettings settings = settings();
        if (config.topics().create()) {
            try {
                TopicCreator.createMissing(bootstrapServers, TopicPlan.standard(settings.topics().toPlanNames(),
                        config.topics().requestPartitions(), config.topics().controlRetention()),
                        config.topics().replicationFactor());
            } catch (RuntimeException e) {
                LOG.warnf("could not create the topics (they may be created elsewhere): %s", e.getMessage());
            }
        }
        ModelStore store = s3.toEndpoint().openModelStore();
        node = new SamplerNode(settings, store, new S3SnapshotStore(store), sinks, sinks, registry, otel);
        node.start();
    }

    void onStop(@Observes ShutdownEvent event) {
        SamplerNode n = node;
        if (n != null) {
            n.close();
        }
    }

    /** The running node; null only before start-up. */
    public SamplerNode node() {
        return node;
    }

    SamplerSettings settings() {
        SamplerConfig.TopicSettings t = config.topics();
        SamplerSettings.TopicNames topics = new SamplerSettings.TopicNames(t.generationRequests(),
                t.inpaintingRequests(), t.frames(), t.control(), t.modelUpdates(), t.deadLetter());
        return new SamplerSettings(bootstrapServers, config.groupId(), config.instanceId().orElseGet(
                () -> InstanceId.generate("sampler")), topics, config.models(), config.maxInFlightJobs(),
                config.batch().toSettings(), config.recentCancels(), config.reconcileInterval(), config.device(),
                config.pollTimeout(), config.shutdownGrace(), config.consumer(), config.snapshotInterval());
    }
}
