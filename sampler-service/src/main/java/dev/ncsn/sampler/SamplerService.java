package dev.ncsn.sampler;

import dev.ncsn.model.store.ModelStore;
import io.micrometer.core.instrument.MeterRegistry;
import io.minio.MinioClient;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import jakarta.interceptor.Interceptor;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

import java.net.InetAddress;
import java.util.UUID;

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

    private volatile SamplerNode node;

    void onStart(@Observes @Priority(Interceptor.Priority.PLATFORM_BEFORE) StartupEvent event) {
        SamplerSettings settings = settings();
        if (config.topics().create()) {
            try {
                TopicSetup.createMissing(bootstrapServers, settings.topics(), config.topics().requestPartitions(),
                        config.topics().controlRetention().toMillis(), config.topics().replicationFactor());
            } catch (RuntimeException e) {
                LOG.warnf("could not create the topics (they may be created elsewhere): %s", e.getMessage());
            }
        }
        MinioClient client = MinioClient.builder().endpoint(s3.endpoint()).credentials(s3.accessKey(), s3.secretKey())
                .region(s3.region()).build();
        node = new SamplerNode(settings, new ModelStore(client, s3.bucket()), sinks, sinks, registry);
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
                SamplerService::defaultInstanceId), topics, config.models(), config.maxInFlightJobs(),
                config.maxInFlightSamples(), config.recentCancels(), config.reconcileInterval(), config.device(),
                config.pollTimeout(), config.shutdownGrace(), config.consumer());
    }

    private static String defaultInstanceId() {
        String host;
        try {
            host = InetAddress.getLocalHost().getHostName();
        } catch (Exception e) {
            host = "sampler";
        }
        return host + "-" + UUID.randomUUID().toString().substring(0, 6);
    }
}
