package dev.ncsn.sampler.metrics;

import dev.ncsn.sampler.core.ServedModel;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;

import java.util.ArrayDeque;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * The worker's Prometheus metrics (names as exported):
 * <ul>
 *   <li>{@code ncsn_sampler_jobs_total{outcome=done|failed|cancelled|invalid}}: finished jobs;</li>
 *   <li>{@code ncsn_sampler_langevin_steps_total}: Langevin steps, one per job per step (a job of 10 levels × 100
 *       steps counts 1000), and {@code ncsn_sampler_langevin_steps_per_second}: their rate over the last 10 s;</li>
 *   <li>{@code ncsn_sampler_sample_steps_total}: the same counted per image (a job of 16 images counts 16 per step);</li>
 *   <li>{@code ncsn_sampler_forward_pass_seconds}: score network passes (each shared by every job in flight on
 *       that version), so steps / passes is the sharing factor;</li>
 *   <li>{@code ncsn_sampler_events_seconds}: making and sending each job event (frames with their PNGs, started,
 *       terminal events) on the worker's event thread, beside the sampling thread, and
 *       {@code ncsn_sampler_events_awaited_seconds}: the sampling thread waiting, after each step, for the events of
 *       the step before (non-zero when events take longer than a pass);</li>
 *   <li>{@code ncsn_sampler_jobs_in_flight}: jobs admitted and not finished;</li>
 *   <li>{@code ncsn_sampler_model_info{model,version}} = 1 for each live version, and
 *       {@code ncsn_sampler_model_training_step{model}} of the live version;</li>
 *   <li>{@code ncsn_sampler_batch_budget_images{model}}: the per-pass sample budget of the live version, measured
 *       at load or configured;</li>
 *   <li>{@code ncsn_sampler_model_reloads_total{model}} and {@code ncsn_sampler_model_reload_failures_total{model}};</li>
 *   <li>{@code ncsn_sampler_snapshots_total}, {@code ncsn_sampler_snapshot_size_bytes} (per snapshot),
 *       {@code ncsn_sampler_snapshot_write_seconds} (encoding and storing, on the snapshot thread),
 *       {@code ncsn_sampler_snapshot_capture_seconds} (copying a job's state, on the sampling thread) and
 *       {@code ncsn_sampler_snapshot_failures_total};</li>
 *   <li>{@code ncsn_sampler_jobs_resumed_total{from=snapshot|restart}}: jobs taken over from another worker,
 *       continued from their snapshot or, when the snapshot's version is gone, restarted on the live one;</li>
 *   <li>{@code ncsn_sampler_steps_redone_total}: Langevin steps this worker knows it computes again, i.e. the steps
 *       of a snapshot it could not continue (steps a dead worker did after its last snapshot are not visible to the
 *       next owner; they are at most one snapshot interval's worth).</li>
 * </ul>
 */
public final class SamplerMetrics {

    private static final long RATE_WINDOW_NANOS = TimeUnit.SECONDS.toNanos(10);

    private final MeterRegistry registry;
    private final Counter langevinSteps;
    private final Counter sampleSteps;
    private final Timer forwardPass;
    private final Timer events;
    private final Timer eventsAwaited;
    private final Counter snapshots;
    private final Counter snapshotFailures;
    private final DistributionSummary snapshotSize;
    private final Timer snapshotWrite;
    private final Timer snapshotCapture;
    private final Counter stepsRedone;
    private final Map<String, Counter> jobs = new ConcurrentHashMap<>();
    private final Map<String, Gauge> modelInfo = new ConcurrentHashMap<>();
    private final Map<String, ServedModel> live = new ConcurrentHashMap<>();
    private final ArrayDeque<long[]> recentSteps = new ArrayDeque<>();

    public SamplerMetrics(MeterRegistry registry) {
        this.registry = registry;
        this.langevinSteps = Counter.builder("ncsn.sampler.langevin.steps")
                .description("Langevin steps taken, one per job per step").register(registry);
        this.sampleSteps = Counter.builder("ncsn.sampler.sample.steps")
                .description("Langevin steps taken, one per image per step").register(registry);
        this.forwardPass = Timer.builder("ncsn.sampler.forward.pass")
                .description("score network passes, each shared by the jobs in flight on one version")
                .register(registry);
        this.events = Timer.builder("ncsn.sampler.events")
                .description("making and sending a job event on the sampling thread (its PNGs, JSON, the send)")
                .register(registry);
        this.eventsAwaited = Timer.builder("ncsn.sampler.events.awaited")
                .description("the sampling thread waiting for the previous step's events to be sent").register(registry);
        this.snapshots = Counter.builder("ncsn.sampler.snapshots").description("job snapshots stored")
                .register(registry);
        this.snapshotFailures = Counter.builder("ncsn.sampler.snapshot.failures")
                .description("job snapshot writes that failed").register(registry);
        this.snapshotSize = DistributionSummary.builder("ncsn.sampler.snapshot.size").baseUnit("bytes")
                .description("bytes per stored job snapshot").register(registry);
        this.snapshotWrite = Timer.builder("ncsn.sampler.snapshot.write")
                .description("encoding and storing a job snapshot (snapshot thread)").register(registry);
        this.snapshotCapture = Timer.builder("ncsn.sampler.snapshot.capture")
                .description("copying a job's state for a snapshot (sampling thread)").register(registry);
        this.stepsRedone = Counter.builder("ncsn.sampler.steps.redone")
                .description("Langevin steps computed again because a snapshot could not be continued")
                .register(registry);
        Gauge.builder("ncsn.sampler.langevin.steps.per.second", this, SamplerMetrics::stepsPerSecond)
                .description("Langevin steps per second over the last 10 s").register(registry);
    }

    public MeterRegistry registry() {
        return registry;
    }

    /** Registers the in-flight gauge (the worker knows the count). */
    public void inFlight(Supplier<Number> jobsInFlight) {
        Gauge.builder("ncsn.sampler.jobs.in.flight", jobsInFlight).description("jobs admitted and not finished")
                .strongReference(true).register(registry);
    }

    /** One shared forward pass and the Langevin steps it served. */
    public void stepped(int jobSteps, int images, long nanos) {
        langevinSteps.increment(jobSteps);
        sampleSteps.increment(images);
        forwardPass.record(nanos, TimeUnit.NANOSECONDS);
        long now = System.nanoTime();
        synchronized (recentSteps) {
            recentSteps.addLast(new long[] {now, jobSteps});
            trim(now);
        }
    }

    /** One job event made and handed to the producer (on the event thread). */
    public void eventSent(long nanos) {
        events.record(nanos, TimeUnit.NANOSECONDS);
    }

    /** Seconds spent making and sending job events (on the event thread, beside the sampling thread). */
    public double eventSeconds() {
        return events.totalTime(TimeUnit.NANOSECONDS) / 1e9;
    }

    /** The sampling thread waited this long, after a step, for the step before's events to be sent. */
    public void eventsAwaited(long nanos) {
        eventsAwaited.record(nanos, TimeUnit.NANOSECONDS);
    }

    /** Seconds the sampling thread waited for events to be sent. */
    public double eventsAwaitedSeconds() {
        return eventsAwaited.totalTime(TimeUnit.NANOSECONDS) / 1e9;
    }

    public long eventsSent() {
        return events.count();
    }

    /** Langevin steps (per job) per second over the last 10 s. */
    public double stepsPerSecond() {
        long now = System.nanoTime();
        synchronized (recentSteps) {
            trim(now);
            if (recentSteps.isEmpty()) {
                return 0;
            }
            long steps = 0;
            for (long[] e : recentSteps) {
                steps += e[1];
            }
            double span = Math.max(now - recentSteps.peekFirst()[0], TimeUnit.SECONDS.toNanos(1));
            return steps / (span / 1e9);
        }
    }

    private void trim(long now) {
        while (!recentSteps.isEmpty() && now - recentSteps.peekFirst()[0] > RATE_WINDOW_NANOS) {
            recentSteps.removeFirst();
        }
    }

    public void jobFinished(String outcome) {
        jobs.computeIfAbsent(outcome, o -> Counter.builder("ncsn.sampler.jobs").tag("outcome", o)
                .description("jobs by outcome").register(registry)).increment();
    }

    public double jobs(String outcome) {
        Counter c = jobs.get(outcome);
        return c == null ? 0 : c.count();
    }

    public double langevinSteps() {
        return langevinSteps.count();
    }

    /** Steps counted per image: over {@link #forwardPasses()}, the mean batch of a pass. */
    public double sampleSteps() {
        return sampleSteps.count();
    }

    public long forwardPasses() {
        return forwardPass.count();
    }

    public void modelInstalled(ServedModel model) {
        Gauge old = modelInfo.remove(model.model());
        if (old != null) {
            registry.remove(old);
        }
        live.put(model.model(), model);
        modelInfo.put(model.model(), Gauge.builder("ncsn.sampler.model.info", () -> 1)
                .tag("model", model.model()).tag("version", model.version())
                .description("the live version of each model (value 1)").strongReference(true).register(registry));
        if (registry.find("ncsn.sampler.model.training.step").tag("model", model.model()).gauge() == null) {
            Gauge.builder("ncsn.sampler.model.training.step", live,
                    m -> m.containsKey(model.model()) ? m.get(model.model()).manifest().trainingStep() : Double.NaN)
                    .tag("model", model.model()).description("training step of the live version")
                    .register(registry);
        }
        if (registry.find("ncsn.sampler.batch.budget").tag("model", model.model()).gauge() == null) {
            Gauge.builder("ncsn.sampler.batch.budget", live,
                    m -> m.containsKey(model.model()) ? m.get(model.model()).passBudget() : Double.NaN)
                    .tag("model", model.model()).baseUnit("images")
                    .description("images one shared forward pass of the live version may hold (measured or configured)")
                    .register(registry);
        }
        registry.counter("ncsn.sampler.model.reloads", "model", model.model()).increment();
    }

    /** The live version's per-pass budget as the gauge reports it; NaN before a version of the model is live. */
    public double batchBudget(String model) {
        Gauge g = registry.find("ncsn.sampler.batch.budget").tag("model", model).gauge();
        return g == null ? Double.NaN : g.value();
    }

    public void reloadFailed(String model) {
        registry.counter("ncsn.sampler.model.reload.failures", "model", model).increment();
    }

    public double reloadFailures(String model) {
        Counter c = registry.find("ncsn.sampler.model.reload.failures").tag("model", model).counter();
        return c == null ? 0 : c.count();
    }

    public void snapshotWritten(long bytes, long nanos) {
        snapshots.increment();
        snapshotSize.record(bytes);
        snapshotWrite.record(nanos, TimeUnit.NANOSECONDS);
    }

    public void snapshotFailed() {
        snapshotFailures.increment();
    }

    public void snapshotCaptured(long nanos) {
        snapshotCapture.record(nanos, TimeUnit.NANOSECONDS);
    }

    /** A job taken over from another worker: {@code snapshot} or {@code restart}. */
    public void jobResumed(String from, int stepsComputedAgain) {
        registry.counter("ncsn.sampler.jobs.resumed", "from", from).increment();
        stepsRedone.increment(stepsComputedAgain);
    }

    public double jobsResumed(String from) {
        Counter c = registry.find("ncsn.sampler.jobs.resumed").tag("from", from).counter();
        return c == null ? 0 : c.count();
    }

    public double snapshotsWritten() {
        return snapshots.count();
    }

    public double snapshotFailures() {
        return snapshotFailures.count();
    }

    public double snapshotBytes() {
        return snapshotSize.totalAmount();
    }

    public double snapshotWriteSeconds() {
        return snapshotWrite.totalTime(TimeUnit.NANOSECONDS) / 1e9;
    }

    public double snapshotCaptureSeconds() {
        return snapshotCapture.totalTime(TimeUnit.NANOSECONDS) / 1e9;
    }

    public double forwardPassSeconds() {
        return forwardPass.totalTime(TimeUnit.NANOSECONDS) / 1e9;
    }

    public double stepsRedone() {
        return stepsRedone.count();
    }
}
