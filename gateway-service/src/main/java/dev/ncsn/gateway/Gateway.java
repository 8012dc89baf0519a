package dev.ncsn.gateway;

import dev.ncsn.model.store.ModelStore;
import io.minio.MinioClient;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

import java.net.InetAddress;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * The replica's parts, built at start-up from the configuration: the {@link JobRegistry} and the
 * {@link EventFeed} that fills it, the {@link Backlog} measurement, the {@link ModelCatalog}, and the open SSE
 * streams with their keep-alives. Requests go out through {@link RequestPublisher}.
 */
@ApplicationScoped
public class Gateway {

    private static final Logger LOG = Logger.getLogger(Gateway.class);

    @Inject
    GatewayConfig config;

    @Inject
    S3Config s3;

    @ConfigProperty(name = "kafka.bootstrap.servers", defaultValue = "localhost:9092")
    String bootstrapServers;

    private final Clock clock = Clock.systemUTC();
    private final Set<SseSubscription> streams = ConcurrentHashMap.newKeySet();
    private String replicaId;
    private JobRegistry registry;
    private EventFeed feed;
    private Admin admin;
    private Backlog backlog;
    private ModelCatalog catalog;
    private ScheduledExecutorService timer;

    void start(@Observes StartupEvent event) {
        replicaId = config.replicaId().orElseGet(Gateway::defaultReplicaId);
        GatewayConfig.Buffer b = config.buffer();
        registry = new JobRegistry(new JobRegistry.Limits(b.framesPerJob(), b.maxJobs(), b.maxBytes(), b.retention(),
                b.idleRetention()), clock);
        feed = new EventFeed(bootstrapServers, "ncsn-gateway-" + replicaId + "-feed", config.consumer(),
                config.topics(), registry, config.replay(), clock);
        admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers,
                AdminClientConfig.CLIENT_ID_CONFIG, "ncsn-gateway-" + replicaId + "-admin",
                AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, "10000",
                AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, "5000"));
        backlog = new Backlog(admin, config.samplerGroupId(),
                List.of(config.topics().generationRequests(), config.topics().inpaintingRequests()),
                config.backlog().cacheFor(), clock);
        MinioClient minio = MinioClient.builder().endpoint(s3.endpoint()).region(s3.region())
                .credentials(s3.accessKey(), s3.secretKey()).build();
        catalog = new ModelCatalog(new ModelStore(minio, s3.bucket()), config.modelCacheFor(), config.defaultModel(),
                clock);
        timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "ncsn-gateway-timer");
            t.setDaemon(true);
            return t;
        });
        long keepAlive = Math.max(1, config.keepAlive().toMillis());
        timer.scheduleWithFixedDelay(this::keepAlive, keepAlive, keepAlive, TimeUnit.MILLISECONDS);
        timer.scheduleWithFixedDelay(registry::sweep, 10, 10, TimeUnit.SECONDS);
        feed.start();
        LOG.infof("gateway %s: Kafka %s, sampler group %s, default model %s, API keys %s", replicaId,
                bootstrapServers, config.samplerGroupId(), config.defaultModel(),
                apiKeysConfigured() ? "required" : "not configured (open API)");
    }

    void stop(@Observes ShutdownEvent event) {
        if (timer != null) {
            timer.shutdownNow();
        }
        streams.forEach(SseSubscription::close);
        if (feed != null) {
            feed.close();
        }
        if (admin != null) {
            admin.close(java.time.Duration.ofSeconds(2));
        }
    }

    private void keepAlive() {
        for (SseSubscription s : streams) {
            s.keepAlive();
        }
        streams.removeIf(SseSubscription::closed);
    }

    void track(SseSubscription subscription) {
        streams.add(subscription);
    }

    void untrack(SseSubscription subscription) {
        streams.remove(subscription);
    }

    int openStreams() {
        return streams.size();
    }

    boolean apiKeysConfigured() {
        return config.apiKeys().map(k -> k.stream().anyMatch(s -> !s.isBlank())).orElse(false);
    }

    String replicaId() {
        return replicaId;
    }

    Clock clock() {
        return clock;
    }

    JobRegistry registry() {
        return registry;
    }

    EventFeed feed() {
        return feed;
    }

    Backlog backlog() {
        return backlog;
    }

    ModelCatalog catalog() {
        return catalog;
    }

    GatewayConfig config() {
        return config;
    }

    private static String defaultReplicaId() {
        String host;
        try {
            host = InetAddress.getLocalHost().getHostName();
        } catch (Exception e) {
            host = "gateway";
        }
        return host + "-" + UUID.randomUUID().toString().substring(0, 8);
    }
}
