package dev.ncsn.sampler.core;

import dev.ncsn.sampler.config.SamplerSettings;
import dev.ncsn.sampler.kafka.ControlMessages;
import dev.ncsn.sampler.kafka.DeadLetterSink;
import dev.ncsn.sampler.kafka.RequestConsumer;
import dev.ncsn.sampler.metrics.SamplerMetrics;

import ai.djl.Device;
import ai.djl.pytorch.jni.JniUtils;
import dev.ncsn.model.sampling.PassLanes;
import dev.ncsn.model.store.ModelStore;
import dev.ncsn.sampler.config.BatchSettings;
import io.micrometer.core.instrument.MeterRegistry;
import io.opentelemetry.api.OpenTelemetry;
import org.jboss.logging.Logger;

import java.util.Map;

/**
 * One sampler worker, assembled from plain parts: the model slots and their {@link ModelReloader}, the
 * {@link SamplingWorker} thread, the {@link RequestConsumer} thread and the {@link ControlMessages} handler.
 * The Quarkus service builds one with SmallRye emitters as sinks; tests build several in one JVM with plain
 * Kafka producers.
 *
 * <p>Start-up: the reloader loads the live version of every served model in the background; the request
 * consumer joins the group once they are all loaded, which is also when the node is {@link #ready()}.
 */
public final class SamplerNode implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(SamplerNode.class);

    private final SamplerSettings settings;
    private final ServedModels models;
    private final RecentCancels cancels;
    private final SamplerMetrics metrics;
    private final ModelLoader loader;
    private final ModelReloader reloader;
    private final SamplingWorker worker;
    private final RequestConsumer consumer;
    private final ControlMessages control;
    private final JobTraces traces;
    private final SnapshotWriter snapshots;
    private final PassLanes lanes;
    private volatile boolean started;
    private volatile boolean stopped;

    public SamplerNode(SamplerSettings settings, ModelStore store, JobEventSink events, DeadLetterSink deadLetters,
                       MeterRegistry registry) {
        this(settings, store, new S3SnapshotStore(store), events, deadLetters, registry);
    }

    /** @param snapshotStore where running jobs are written down and resumed from */
    public SamplerNode(SamplerSettings settings, ModelStore store, SnapshotStore snapshotStore, JobEventSink events,
                       DeadLetterSink deadLetters, MeterRegistry registry) {
        this(settings, store, snapshotStore, events, deadLetters, registry, OpenTelemetry.noop());
    }

    /**
     * @param otel traces: each job gets a span, child of its request's trace context, and its events are sent
     *             with that span current (the sinks write it into the records' headers)
     */
    public SamplerNode(SamplerSettings settings, ModelStore store, SnapshotStore snapshotStore, JobEventSink sink,
                       DeadLetterSink deadLetters, MeterRegistry registry, OpenTelemetry otel) {
        this.traces = new JobTraces(otel);
        JobEventSink events = traces.wrap(sink);
        this.settings = settings;
        this.models = new ServedModels(settings.models());
        this.cancels = new RecentCancels(settings.recentCancels());
        this.metrics = new SamplerMetrics(registry);
        Device device = ModelLoader.device(settings.device());
        this.lanes = PassLanes.of(lanes(settings.batch(), device));
        this.loader = new ModelLoader(store, device, new BatchBudgets(settings.batch(), lanes.count()), lanes);
        this.reloader = new ModelReloader(models, store, loader, metrics, settings.reconcileInterval(),
                "ncsn-model-reloader-" + settings.instanceId());
        this.snapshots = new SnapshotWriter(snapshotStore, metrics, "ncsn-snapshots-" + settings.instanceId());
        this.worker = new SamplingWorker(settings, events, cancels, metrics, snapshots, models::sampleBudget);
        this.consumer = new RequestConsumer(settings, models, worker, events, deadLetters, cancels, metrics,
                models::allLoaded, snapshots, loader, traces);
        this.control = new ControlMessages(cancels, worker, reloader, deadLetters);
    }

    /**
     * The threads each pass is split over: as configured; with {@code auto}, one per core on the CPU, each running
     * one PyTorch thread (PyTorch's own threads gain little on these small passes; the README measures both), so
     * PyTorch is set to one thread unless {@code ai.djl.pytorch.num_threads} was given, and then cores / that many
     * lanes; on a GPU one.
     */
    static int lanes(BatchSettings batch, Device device) {
        if (batch.lanes() != BatchSettings.AUTO) {
            return batch.lanes();
        }
        if (!Device.Type.CPU.equals(device.getDeviceType())) {
            return 1;
        }
        ai.djl.engine.Engine.getInstance(); // loads the PyTorch natives JniUtils calls into
        if (System.getProperty("ai.djl.pytorch.num_threads") == null && JniUtils.getNumThreads() != 1) {
            // Threads that run PyTorch ops from now on (the reloader's, the sampling thread, the lanes) take this.
            JniUtils.setNumThreads(1);
        }
        return Math.max(1, Runtime.getRuntime().availableProcessors() / Math.max(1, JniUtils.getNumThreads()));
    }

    /** The threads each forward pass is split over. */
    public PassLanes lanes() {
        return lanes;
    }

    public synchronized void start() {
        if (started) {
            return;
        }
        started = true;
        LOG.infof("sampler %s: models %s on %s, group %s, up to %d jobs in flight, per-pass budget %s, passes on %s",
                settings.instanceId(), settings.models(), loader.device(), settings.groupId(),
                settings.maxInFlightJobs(), settings.batch(), lanes);
        worker.start();
        reloader.start();
        consumer.start();
    }

    /** Every served model has a live version and the request consumer is in the group. */
    public boolean ready() {
        return started && !stopped && models.allLoaded() && consumer.subscribed() && broken() == null;
    }

    /** Why this node cannot go on (for liveness), or null. */
    public String broken() {
        String w = worker.broken();
        return w != null ? w : consumer.broken();
    }

    /** The request partitions this worker owns now ("topic-partition"). */
    public java.util.Set<String> assignment() {
        return consumer.assignment().stream().map(Object::toString)
                .collect(java.util.stream.Collectors.toCollection(java.util.TreeSet::new));
    }

    public SamplerSettings settings() {
        return settings;
    }

    public ServedModels models() {
        return models;
    }

    public Map<String, String> versions() {
        return models.versions();
    }

    /** Loads versions, and sizes their shared passes. */
    public ModelLoader loader() {
        return loader;
    }

    public ModelReloader reloader() {
        return reloader;
    }

    public SamplingWorker worker() {
        return worker;
    }

    public SamplerMetrics metrics() {
        return metrics;
    }

    public ControlMessages control() {
        return control;
    }

    public JobTraces traces() {
        return traces;
    }

    /**
     * Graceful stop (SIGTERM): takes no new jobs, snapshots every running job at the step it has reached and
     * stores the snapshots (within {@code shutdownGrace}), commits what is finished and leaves the group at once,
     * so that the partitions' next owner resumes the jobs from those snapshots within seconds.
     */
    @Override
    public synchronized void close() {
        if (stopped) {
            return;
        }
        stopped = true;
        long start = System.nanoTime();
        consumer.drain();
        int handed = worker.handOver(settings.shutdownGrace());
        if (handed < 0) {
            LOG.warnf("sampler %s: not every running job's snapshot was stored within %s; those jobs resume from "
                    + "their previous snapshot", settings.instanceId(), settings.shutdownGrace());
        } else if (handed > 0) {
            LOG.infof("sampler %s handed %d running jobs over (snapshots stored in %d ms)", settings.instanceId(),
                    handed, (System.nanoTime() - start) / 1_000_000);
        }
        consumer.close();
        snapshots.close();
        reloader.close();
        models.close();
        lanes.close();
    }

    /** Simulates the process dying: threads end, nothing more is published or committed. */
    public synchronized void crash() {
        if (stopped) {
            return;
        }
        stopped = true;
        worker.crash();
        consumer.crash();
        snapshots.crash();
        reloader.close();
        models.close();
        lanes.close();
    }
}
