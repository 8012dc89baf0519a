package dev.ncsn.gateway.core;

import dev.ncsn.gateway.config.GatewaySettings;
import dev.ncsn.gateway.kafka.Backlog;
import dev.ncsn.gateway.kafka.EventFeed;
import dev.ncsn.model.store.ModelStore;
import io.micrometer.core.instrument.MeterRegistry;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import io.opentelemetry.api.OpenTelemetry;
import org.jboss.logging.Logger;

import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * One gateway replica, assembled from plain parts: the {@link JobRegistry} and the {@link EventFeed} that fills
 * it, the {@link Backlog} measurement behind {@link Admission} and {@link QueuePositions}, the
 * {@link ModelCatalog}, {@link Submission} through a {@link RequestSink}, and the open event streams with their
 * keep-alives, and its {@link GatewayMetrics}. The Quarkus service builds one with SmallRye emitters as the sink; tests may build one with a
 * plain Kafka producer.
 */
public final class GatewayNode implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(GatewayNode.class);

    private final GatewaySettings settings;
    private final Clock clock;
    private final Set<OpenStream> streams = ConcurrentHashMap.newKeySet();
    private final JobRegistry registry;
    private final EventFeed feed;
    private final Admin admin;
    private final Backlog backlog;
    private final ModelCatalog catalog;
    private final Admission admission;
    private final QueuePositions queuePositions;
    private final Submission submission;
    private final GatewayMetrics metrics;
    private final ScheduledExecutorService timer;
    private volatile boolean started;

    public GatewayNode(GatewaySettings settings, ModelStore store, RequestSink sink, MeterRegistry meters,
                       Clock clock) {
        this(settings, store, sink, meters, clock, OpenTelemetry.noop());
    }

    /** @param otel traces: each job event read from Kafka gets a span, child of the context in its headers */
    public GatewayNode(GatewaySettings settings, ModelStore store, RequestSink sink, MeterRegistry meters,
                       Clock clock, OpenTelemetry otel) {
        this.settings = settings;
        this.clock = clock;
        GatewaySettings.Buffer b = settings.buffer();
        this.registry = new JobRegistry(new JobRegistry.Limits(b.framesPerJob(), b.maxJobs(), b.maxBytes(),
                b.retention(), b.idleRetention()), clock);
        String client = "ncsn-gateway-" + settings.replicaId();
        this.feed = new EventFeed(settings.bootstrapServers(), client + "-feed", settings.consumer(),
                settings.topics(), registry, settings.replay(), clock, otel);
        this.admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, settings.bootstrapServers(),
                AdminClientConfig.CLIENT_ID_CONFIG, client + "-admin",
                AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, "10000",
                AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, "5000"));
        this.backlog = new Backlog(admin, settings.samplerGroupId(),
                List.of(settings.topics().generationRequests(), settings.topics().inpaintingRequests()),
                settings.backlog().cacheFor(), clock);
        this.catalog = new ModelCatalog(store, settings.modelCacheFor(), settings.defaultModel(), clock);
        this.admission = new Admission(backlog::current, settings.backlog(), settings.limits(), registry);
        this.queuePositions = new QueuePositions(backlog, registry);
        this.metrics = new GatewayMetrics(meters);
        this.submission = new Submission(catalog, admission, sink, registry, metrics, clock);
        registry.observe(metrics);
        admission.onRefused((key, reason) -> {
            metrics.refused(reason);
            if (key != null && !reason.equals("backlog")) {
                metrics.keyRefused(key, reason);
            }
        });
        metrics.gauges(streams::size, registry::size, registry::bytes);
        this.timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "ncsn-gateway-timer");
            t.setDaemon(true);
            return t;
        });
    }

    public synchronized void start() {
        if (started) {
            return;
        }
        started = true;
        long keepAlive = Math.max(1, settings.keepAlive().toMillis());
        timer.scheduleWithFixedDelay(this::keepAlive, keepAlive, keepAlive, TimeUnit.MILLISECONDS);
        timer.scheduleWithFixedDelay(registry::sweep, 10, 10, TimeUnit.SECONDS);
        feed.start();
        LOG.infof("gateway %s: Kafka %s, sampler group %s, default model %s", settings.replicaId(),
                settings.bootstrapServers(), settings.samplerGroupId(), settings.defaultModel());
    }

    @Override
    public void close() {
        timer.shutdownNow();
        streams.forEach(OpenStream::close);
        feed.close();
        admin.close(Duration.ofSeconds(2));
    }

    private void keepAlive() {
        for (OpenStream s : streams) {
            s.keepAlive();
        }
        streams.removeIf(OpenStream::closed);
    }

    /** An event stream opened: it gets keep-alives until it closes. */
    public void track(OpenStream stream) {
        streams.add(stream);
    }

    public void untrack(OpenStream stream) {
        streams.remove(stream);
    }

    public int openStreams() {
        return streams.size();
    }

    /** The event feed reads the frames topic. */
    public boolean ready() {
        return started && feed.ready();
    }

    /** Why the replica cannot go on (for liveness), or null. */
    public String broken() {
        return feed.broken();
    }

    public GatewaySettings settings() {
        return settings;
    }

    public Clock clock() {
        return clock;
    }

    public JobRegistry registry() {
        return registry;
    }

    public Backlog backlog() {
        return backlog;
    }

    public ModelCatalog catalog() {
        return catalog;
    }

    public Submission submission() {
        return submission;
    }

    public Admission admission() {
        return admission;
    }

    public QueuePositions queuePositions() {
        return queuePositions;
    }

    /** A job this replica knows, or a 404 problem. */
    public Job job(String id) {
        return registry.get(id).orElseThrow(() -> ProblemException.unknownJob(id));
    }
}
