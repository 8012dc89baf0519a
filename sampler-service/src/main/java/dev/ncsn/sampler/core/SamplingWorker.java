package dev.ncsn.sampler.core;

import dev.ncsn.sampler.config.SamplerSettings;
import dev.ncsn.sampler.metrics.SamplerMetrics;

import ai.djl.ndarray.NDManager;
import dev.ncsn.model.contract.JobEvent;
import dev.ncsn.model.sampling.JobState;
import dev.ncsn.model.sampling.Frame;
import dev.ncsn.model.sampling.SamplingJob;
import org.jboss.logging.Logger;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntSupplier;
import java.util.function.Predicate;

/**
 * Runs the jobs admitted to this worker on one sampling thread (a shared pass split over the node's pass lanes), each
 * with the sampler its request names, through
 * the shared-model {@link dev.ncsn.model.sampling.SamplingRunner}.
 *
 * <p>Every iteration makes the next network evaluation of every running job. Jobs on the same model version share
 * one forward pass ({@code runner.step} batches all their samples, each at its own level, whatever their
 * samplers); jobs on different
 * versions (a hot reload happened while some were running) get one pass per version. Jobs join and leave
 * between steps. Each job draws its noise from its own seeded generator, so its samples are the same alone or
 * batched (the network's per-sample output does not depend on the batch: on the CPU bit for bit at the same batch
 * size, to float rounding across sizes).
 *
 * <p>Native memory: a job's state (its samples, its random stream) is plain Java arrays. Each job has its own
 * NDManager, a sub-manager of its version's manager (so on the version's device), closed when the job ends; a job
 * running alone makes its forward passes' arrays under it, and a pass shared by several jobs makes them under a
 * sub-manager of the version's manager. Either way the sampler closes every array of a pass before the step
 * returns, so between steps the version's manager holds nothing but the network's parameters, and nothing of one
 * job outlives it or is seen by another.
 *
 * <p>Events: {@code started} when the sampling thread takes the job up (unless it was cancelled before), a frame
 * (per the request's {@code frameEvery}, and always at the last step of each level), then one terminal event,
 * numbered from 0 per job, made and sent by the {@link EventPublisher} while the next pass runs (the sampling thread
 * numbers them and copies what they show; after each step it waits for the step before's events, so a job's
 * events keep their order and a slow sink slows sampling down). A job is "finished" for its caller (the offset may
 * be committed) only once its terminal event is stored; that publish is retried, and a terminal event that cannot be
 * stored marks the worker broken (liveness down) so that a restart re-runs the job rather than losing it.
 *
 * <p>Snapshots: every {@code snapshotInterval} of a job's running time, between two steps, the sampling thread
 * copies the job's state ({@link JobSnapshot}) and hands it to the {@link SnapshotWriter}; a job that ends has its
 * snapshot removed once its terminal event is stored. {@link #handOver} (graceful stop) and {@link #abandon} with
 * snapshots (a partition revoked) write every running job down before letting it go, so that the next owner
 * resumes it at the same (level, step) and no step is computed twice.
 *
 * <p>Cancel: {@link #cancel} flags the job's chain; the sampler checks the flag before every step, so a job
 * stops within one Langevin step and then publishes {@code cancelled}.
 */
public final class SamplingWorker implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(SamplingWorker.class);
    private static final int TERMINAL_PUBLISH_ATTEMPTS = 6;

    /** How a job ended. */
    public enum Outcome {
        DONE, FAILED, CANCELLED;

        String metricName() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    /** Told when a job's terminal event is stored; not told about jobs left to another worker. */
    @FunctionalInterface
    public interface Completion {
        void finished(JobRequest request, Outcome outcome);
    }

    private final int maxJobs;
    /** Images a shared pass may hold: the served versions' budget (measured or configured), read at each admission. */
    private final IntSupplier sampleBudget;
    private final JobEventSink events;
    private final RecentCancels cancels;
    private final SamplerMetrics metrics;
    private final SnapshotWriter snapshots;
    private final long snapshotIntervalNanos;
    private final String instanceId;
    private final LinkedBlockingQueue<Object> inbox = new LinkedBlockingQueue<>();
    private final Set<RunningJob> admitted = ConcurrentHashMap.newKeySet();
    private final AtomicInteger admittedSamples = new AtomicInteger();
    private final AtomicInteger pendingTerminals = new AtomicInteger();
    /** Frames sent and not yet acknowledged: a hand-over waits for them, so the next owner's come after. */
    private final AtomicInteger pendingFrames = new AtomicInteger();
    /** Sampling thread only. */
    private final List<RunningJob> active = new ArrayList<>();
    /** Makes and sends the events, overlapping the next pass; the sampling thread hands them over in order. */
    private final EventPublisher publisher;
    private final Thread thread;
    private volatile boolean stopping;
    private volatile boolean crashed;
    private volatile String broken;

    public SamplingWorker(SamplerSettings settings, JobEventSink events, RecentCancels cancels,
                          SamplerMetrics metrics) {
        this(settings, events, cancels, metrics, null);
    }

    /**
     * A worker whose per-pass budget is the configured one (or, when it is to be measured, the default): for
     * workers assembled without model slots.
     *
     * @param snapshots where running jobs are written down; null for none (no resume possible)
     */
    public SamplingWorker(SamplerSettings settings, JobEventSink events, RecentCancels cancels,
                          SamplerMetrics metrics, SnapshotWriter snapshots) {
        this(settings, events, cancels, metrics, snapshots, fixedBudget(settings));
    }

    /**
     * @param snapshots    where running jobs are written down; null for none (no resume possible)
     * @param sampleBudget images one shared pass may hold, read whenever a job asks for room (it changes when a
     *                     version of another shape is loaded)
     */
    public SamplingWorker(SamplerSettings settings, JobEventSink events, RecentCancels cancels,
                          SamplerMetrics metrics, SnapshotWriter snapshots, IntSupplier sampleBudget) {
        this.sampleBudget = sampleBudget;
        this.snapshots = snapshots;
        this.snapshotIntervalNanos = settings.snapshotInterval().toNanos();
        this.instanceId = settings.instanceId();
        this.maxJobs = settings.maxInFlightJobs();
        this.events = events;
        this.cancels = cancels;
        this.metrics = metrics;
        metrics.inFlight(admitted::size);
        this.publisher = new EventPublisher("ncsn-events-" + settings.instanceId());
        this.thread = new Thread(this::run, "ncsn-sampling-" + settings.instanceId());
        this.thread.setDaemon(true);
    }

    private static IntSupplier fixedBudget(SamplerSettings settings) {
        int budget = settings.batch().isAuto() ? SamplerSettings.DEFAULT_BATCH_BUDGET : settings.batch().budget();
        return () -> budget;
    }

    public void start() {
        publisher.start();
        thread.start();
    }

    /** Whether a job of this many images may be admitted now. */
    public boolean hasRoomFor(int count) {
        if (stopping) {
            return false;
        }
        int jobs = admitted.size();
        return jobs == 0 || (jobs < maxJobs && admittedSamples.get() + count <= sampleBudget.getAsInt());
    }

    /**
     * CPU time of the sampling thread so far (-1 where the JVM does not measure it): with one PyTorch thread the
     * passes run on it, so this is what sampling cost the CPU whatever else shared it (benchmarks).
     */
    public long samplingCpuNanos() {
        java.lang.management.ThreadMXBean threads = java.lang.management.ManagementFactory.getThreadMXBean();
        return threads.isThreadCpuTimeSupported() ? threads.getThreadCpuTime(thread.getId()) : -1;
    }

    /** Jobs admitted and not finished. */
    public int inFlight() {
        return admitted.size();
    }

    /** Ids of the jobs admitted and not finished. */
    public List<String> jobIds() {
        return admitted.stream().map(j -> j.request.jobId()).toList();
    }

    /**
     * Admits a job that holds a lease on the version it will run on (released when it ends). A job cancelled
     * before it got here stops before its first step.
     */
    public void submit(JobRequest request, ServedModel.Lease lease, JobRequest.Prepared prepared,
                       Completion completion) {
        submit(request, lease, prepared, completion, null, 0);
    }

    /**
     * Admits a job taken over from another worker: restored from {@code resumeFrom} (same version as the
     * snapshot), or, when that is null, started afresh; its events are numbered from {@code firstSequence} so that
     * they continue the stream the earlier owner wrote.
     */
    public void submit(JobRequest request, ServedModel.Lease lease, JobRequest.Prepared prepared,
                       Completion completion, JobState resumeFrom, long firstSequence) {
        submit(request, lease, prepared, completion, resumeFrom, firstSequence, null);
    }

    /**
     * Why a job taken over from another worker starts again from step 0 instead of where it stopped: its snapshot's
     * version is gone. The job's first event is then a {@code restarted} event saying so.
     */
    public record Restart(String previousVersion, int previousCompletedSteps, String reason) {
    }

    /**
     * As above; with {@code restart}, the job (started afresh, numbered from {@code firstSequence}) first publishes
     * a {@code restarted} event.
     */
    public void submit(JobRequest request, ServedModel.Lease lease, JobRequest.Prepared prepared,
                       Completion completion, JobState resumeFrom, long firstSequence, Restart restart) {
        RunningJob job = new RunningJob(request, lease, prepared, completion);
        job.restart = restart;
        if (resumeFrom != null) {
            job.chain.restore(resumeFrom);
            job.snapshotted = true;
        }
        job.sequence = firstSequence;
        job.snapshotted |= firstSequence > 0;
        admitted.add(job);
        admittedSamples.addAndGet(request.count());
        // Cancels add to RecentCancels first and then flag admitted jobs, so checking after adding cannot miss one.
        if (cancels.contains(request.jobId())) {
            job.chain.cancel();
        }
        inbox.add(job);
    }

    /** Stops the job within one Langevin step; returns whether this worker has it. */
    public boolean cancel(String jobId) {
        boolean found = false;
        for (RunningJob job : admitted) {
            if (job.request.jobId().equals(jobId)) {
                job.chain.cancel();
                found = true;
            }
        }
        return found;
    }

    /**
     * Drops the jobs that match without any event and without telling their callers: their requests stay
     * uncommitted and another worker runs them (a rebalance moved their partition away, or this worker stops).
     */
    public void abandon(Predicate<JobRequest> which) {
        abandon(which, false);
    }

    /**
     * As {@link #abandon(Predicate)}; with {@code snapshot}, each running job is written down first (the snapshots
     * are queued on the writer before the returned future completes, with the number of jobs left).
     */
    public CompletableFuture<Integer> abandon(Predicate<JobRequest> which, boolean snapshot) {
        CompletableFuture<Integer> left = new CompletableFuture<>();
        if (!thread.isAlive()) {
            left.complete(0);
            return left;
        }
        inbox.add((Runnable) () -> {
            int n = 0;
            for (Iterator<RunningJob> it = active.iterator(); it.hasNext(); ) {
                RunningJob job = it.next();
                if (which.test(job.request)) {
                    it.remove();
                    boolean written = snapshot && snapshot(job, true);
                    LOG.infof("left job %s (%s) to another worker%s", job.request.jobId(), job.request.position(),
                            written ? " at step " + job.chain.completedEvaluations() + ", snapshotted" : "");
                    release(job);
                    n++;
                }
            }
            left.complete(n);
        });
        return left;
    }

    /**
     * Waits (up to {@code timeout}) until every event sent so far is acknowledged, so that events a next owner
     * sends come after them on the topic. Returns whether that happened in time.
     */
    public boolean awaitSent(Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (pendingFrames.get() > 0 || pendingTerminals.get() > 0) {
            if (System.nanoTime() > deadline) {
                return false;
            }
            sleep(5);
        }
        return true;
    }

    /**
     * Graceful hand-over: admits nothing new, writes every running job down at the step it has reached, stops
     * sampling and waits (up to {@code grace}) for the snapshots and for terminal events already under way to be
     * stored. The jobs stay uncommitted, so their partitions' next owner resumes them from the snapshots.
     * Returns the number of jobs handed over, or -1 when the snapshots were not all written in time.
     */
    public int handOver(Duration grace) {
        stopping = true;
        long deadline = System.nanoTime() + grace.toNanos();
        CompletableFuture<Integer> left = abandon(r -> true, snapshots != null);
        inbox.add(STOP);
        int handed;
        try {
            handed = left.get(Math.max(1, grace.toMillis()), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            handed = -1;
        } catch (Exception e) {
            handed = -1;
        }
        join();
        boolean written = snapshots == null
                || snapshots.flush(Duration.ofNanos(Math.max(0, deadline - System.nanoTime())));
        while ((pendingTerminals.get() > 0 || pendingFrames.get() > 0) && System.nanoTime() < deadline) {
            sleep(20);
        }
        return written ? handed : -1;
    }

    /**
     * Graceful stop: admits nothing new, lets running jobs finish and their terminal events be stored for up to
     * {@code grace}, then abandons the rest (uncommitted: another worker re-runs them) and ends the thread.
     * Returns whether every job finished.
     */
    public boolean drain(Duration grace) {
        stopping = true;
        long deadline = System.nanoTime() + grace.toNanos();
        while ((!admitted.isEmpty() || pendingTerminals.get() > 0) && System.nanoTime() < deadline
                && thread.isAlive()) {
            sleep(20);
        }
        boolean all = admitted.isEmpty() && pendingTerminals.get() == 0;
        abandon(r -> true);
        inbox.add(STOP);
        join();
        return all;
    }

    /** Simulates a crash: the thread ends at once, no event is published, nobody is told. */
    public void crash() {
        stopping = true;
        crashed = true;
        if (snapshots != null) {
            snapshots.crash();
        }
        inbox.add(STOP);
        join();
    }

    @Override
    public void close() {
        if (thread.isAlive()) {
            drain(Duration.ZERO);
        }
    }

    /** Why this worker cannot go on (its thread died, or a terminal event could not be stored), or null. */
    public String broken() {
        if (broken == null && !stopping && thread.getState() == Thread.State.TERMINATED) {
            return "the sampling thread ended";
        }
        return broken;
    }

    private static final Object STOP = new Object();

    private void join() {
        try {
            thread.join(TimeUnit.SECONDS.toMillis(60));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    // ------------------------------------------------------------------------------------------ sampling thread

    private void run() {
        long previousStep = 0;
        try {
            while (true) {
                Object message = active.isEmpty() ? inbox.poll(100, TimeUnit.MILLISECONDS) : inbox.poll();
                boolean stop = false;
                while (message != null) {
                    if (message == STOP) {
                        stop = true;
                    } else if (message instanceof RunningJob job) {
                        active.add(job);
                        announce(job);
                    } else {
                        ((Runnable) message).run();
                    }
                    message = inbox.poll();
                }
                if (stop || crashed) {
                    break;
                }
                if (!active.isEmpty()) {
                    stepAll();
                    finishEnded();
                    snapshotDue();
                    // The events of the step before are sent by now (they overlapped this step's pass), or wait.
                    long start = System.nanoTime();
                    publisher.awaitThrough(previousStep);
                    metrics.eventsAwaited(System.nanoTime() - start);
                    previousStep = publisher.mark();
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Throwable t) {
            broken = "the sampling thread failed: " + t;
            LOG.error("the sampling thread failed", t);
        } finally {
            // Events already handed over belong to the streams as they stand (a hand-over's snapshots count them);
            // a crash loses them, as a process that dies does.
            if (crashed) {
                publisher.crash();
            } else {
                publisher.close();
            }
            // Whatever is still here was abandoned (crash or stop): release the versions, publish nothing.
            for (RunningJob job : active) {
                release(job);
            }
            active.clear();
            for (Object message : inbox) {
                if (message instanceof RunningJob job) {
                    release(job);
                }
            }
            inbox.clear();
        }
    }

    /** Publishes the job's {@code started} event; like a frame, a lost one is not worth failing the job for. */
    private void announce(RunningJob job) {
        if (job.restart != null && !job.chain.cancelRequested()) {
            // Its stream so far is of another version's run: say why it goes back to step 0 (a started here would
            // take sequence 0, which the stream has).
            JobEvent.Restarted restarted = new JobEvent.Restarted(job.request.jobId(), job.sequence++, instanceId,
                    job.lease.model().version(), job.restart.previousVersion(), job.restart.previousCompletedSteps(),
                    job.restart.reason(), Instant.now());
            job.publishPreview(() -> restarted);
            return;
        }
        if (job.chain.cancelRequested() || job.sequence > 0) {
            // A job resumed from a snapshot (or numbered on after one) continues its stream: a started here
            // would take the sequence number of an event the stream already has.
            return;
        }
        // totalSteps as the frames count them (the plan's updates); evaluations as the sampler costs them
        JobEvent.Started event = new JobEvent.Started(job.request.jobId(), job.sequence++, instanceId,
                job.lease.model().version(), job.chain.grid().levels(), job.chain.spec().stepsPerLevel(),
                job.chain.plan().size(), job.chain.count(),
                (long) job.chain.networkEvaluations() * job.chain.count(), Instant.now());
        job.publishPreview(() -> event);
    }

    /** One Langevin step for every running job: one forward pass per model version. */
    private void stepAll() {
        Map<ServedModel, List<RunningJob>> byVersion = new LinkedHashMap<>();
        for (RunningJob job : active) {
            if (job.failure == null) {
                byVersion.computeIfAbsent(job.lease.model(), m -> new ArrayList<>()).add(job);
            }
        }
        for (Map.Entry<ServedModel, List<RunningJob>> group : byVersion.entrySet()) {
            ServedModel model = group.getKey();
            List<SamplingJob> chains = new ArrayList<>(group.getValue().size());
            int jobSteps = 0;
            int images = 0;
            for (RunningJob job : group.getValue()) {
                chains.add(job.chain);
                if (job.chain.isRunning() && !job.chain.cancelRequested()) {
                    jobSteps++;
                    images += job.chain.count();
                }
            }
            long start = System.nanoTime();
            try {
                // Alone: the pass's arrays belong to the job; shared: to the version (closed within the step anyway).
                model.sampler().step(chains, group.getValue().size() == 1 ? group.getValue().get(0).manager
                        : model.manager());
            } catch (RuntimeException | Error e) {
                // A forward pass that fails (native error, out of memory) fails the jobs that shared it, not the worker.
                LOG.errorf(e, "a forward pass of %s failed; failing its %d jobs", model, group.getValue().size());
                for (RunningJob job : group.getValue()) {
                    if (job.chain.isRunning()) {
                        job.failure = "sampling failed on " + model + ": " + e;
                    }
                }
                continue;
            }
            if (jobSteps > 0) {
                metrics.stepped(jobSteps, images, System.nanoTime() - start);
            }
        }
    }

    /** Writes down the jobs whose last snapshot (or start) is one interval old. */
    private void snapshotDue() {
        if (snapshots == null) {
            return;
        }
        long now = System.nanoTime();
        for (RunningJob job : active) {
            if (now - job.lastSnapshot >= snapshotIntervalNanos) {
                snapshot(job, false);
                job.lastSnapshot = now;
            }
        }
    }

    /** Queues the job's state for writing; false when there is nothing to resume (ended, failed or cancelled). */
    private boolean snapshot(RunningJob job, boolean handOver) {
        if (snapshots == null || job.failure != null || !job.chain.isRunning() || job.chain.cancelRequested()) {
            return false;
        }
        long start = System.nanoTime();
        JobState state = job.chain.checkpoint();
        // At most one event per update left in the plan, then the terminal one: no event of this run reaches it.
        long restartSequence = job.sequence + Math.max(0, job.chain.plan().size() - state.completedEvaluations()) + 1;
        JobSnapshot snapshot = new JobSnapshot(job.request.jobId(), job.request.model(), job.lease.model().version(),
                job.sequence, job.request.position().topic(), job.request.rawValue(), state, handOver, instanceId,
                Instant.now(), restartSequence);
        metrics.snapshotCaptured(System.nanoTime() - start);
        snapshots.submit(snapshot);
        job.snapshotted = true;
        return true;
    }

    private void finishEnded() {
        for (Iterator<RunningJob> it = active.iterator(); it.hasNext(); ) {
            RunningJob job = it.next();
            if (job.failure != null || !job.chain.isRunning()) {
                it.remove();
                finish(job);
            }
        }
    }

    private void finish(RunningJob job) {
        String version = job.lease.model().version();
        String id = job.request.jobId();
        long sequence = job.sequence++;
        // What the terminal event needs is copied here; the event (the PNGs of a done job) is made by the publisher.
        java.util.function.Supplier<JobEvent> terminal;
        Outcome outcome;
        if (job.failure != null) {
            outcome = Outcome.FAILED;
            String reason = job.failure;
            terminal = () -> new JobEvent.Failed(id, sequence, reason, Instant.now());
        } else {
            switch (job.chain.state()) {
                case DONE -> {
                    float[] samples = job.chain.samples();
                    int count = job.chain.count();
                    SampleImages.Tiles tiles = job.tiles;
                    outcome = Outcome.DONE;
                    terminal = () -> new JobEvent.Done(id, sequence, version, tiles.grid(samples, count),
                            tiles.each(samples, count), Instant.now());
                }
                case CANCELLED -> {
                    outcome = Outcome.CANCELLED;
                    terminal = () -> new JobEvent.Cancelled(id, sequence, Instant.now());
                }
                default -> {
                    outcome = Outcome.FAILED;
                    String reason = job.chain.failure() == null ? "the job stopped in state " + job.chain.state()
                            : job.chain.failure();
                    terminal = () -> new JobEvent.Failed(id, sequence, reason, Instant.now());
                }
            }
        }
        release(job);
        metrics.jobFinished(outcome.metricName());
        pendingTerminals.incrementAndGet();
        boolean tombstone = job.snapshotted && snapshots != null;
        publisher.submit(() -> {
            long start = System.nanoTime();
            CompletableFuture<Void> stored;
            try {
                stored = publishReliably(terminal.get(), 1);
            } catch (RuntimeException e) {
                stored = CompletableFuture.failedFuture(e);
                broken = "cannot make the terminal event of job " + id + ": " + e;
                LOG.error(broken, e);
            }
            metrics.eventSent(System.nanoTime() - start);
            stored.whenComplete((ok, error) -> {
                if (error == null) {
                    job.completion.finished(job.request, outcome);
                    if (tombstone) {
                        // After the terminal event: a worker that re-reads the request before its commit resumes
                        // from the snapshot and repeats the last events, which consumers drop as duplicates.
                        snapshots.remove(id);
                    }
                }
                pendingTerminals.decrementAndGet();
            });
        });
        LOG.debugf("job %s %s on %s after %d steps", id, outcome, version, job.chain.completedEvaluations());
    }

    private void release(RunningJob job) {
        if (admitted.remove(job)) {
            admittedSamples.addAndGet(-job.request.count());
        }
        job.manager.close();
        job.lease.close();
    }

    /**
     * Publishes a terminal event, retrying with back-off; if it never gets stored the worker is marked broken,
     * and the job's offset stays uncommitted, so the job is re-run after a restart instead of being lost.
     */
    private CompletableFuture<Void> publishReliably(JobEvent event, int attempt) {
        CompletableFuture<Void> published;
        try {
            published = events.publish(event).toCompletableFuture();
        } catch (RuntimeException e) {
            published = CompletableFuture.failedFuture(e);
        }
        return published.handle((ok, error) -> {
            if (error == null) {
                return CompletableFuture.<Void>completedFuture(null);
            }
            if (attempt >= TERMINAL_PUBLISH_ATTEMPTS || crashed) {
                broken = "cannot store the terminal event of job " + event.jobId() + ": " + error;
                LOG.error(broken);
                return CompletableFuture.<Void>failedFuture(error);
            }
            long delay = 250L << (attempt - 1);
            LOG.warnf("storing the terminal event of job %s failed (%s); retrying in %d ms", event.jobId(), error,
                    delay);
            return CompletableFuture.supplyAsync(() -> null,
                            CompletableFuture.delayedExecutor(delay, TimeUnit.MILLISECONDS))
                    .thenCompose(x -> publishReliably(event, attempt + 1));
        }).thenCompose(f -> f);
    }

    /** A job on this worker: its chain, its lease on a version, and its event numbering. */
    private final class RunningJob {

        final JobRequest request;
        final ServedModel.Lease lease;
        final SamplingJob chain;
        final boolean denoisedPreview;
        final Completion completion;
        /** The job's native memory, under its version's manager; closed when the job ends. */
        final NDManager manager;
        /** Its images' shape, for the PNGs the publisher makes (the version may be closed by then). */
        final SampleImages.Tiles tiles;
        /** The next event's sequence number (sampling thread only). */
        long sequence;
        /** Set when the job fails outside the chain (a failed forward pass). */
        String failure;
        /** When the job last queued a snapshot (or started); sampling thread only. */
        long lastSnapshot = System.nanoTime();
        /** Whether a snapshot of the job may exist (written or resumed from): it is removed when the job ends. */
        boolean snapshotted;
        /** Set when the job restarts from step 0 on another version than its snapshot's. */
        Restart restart;

        RunningJob(JobRequest request, ServedModel.Lease lease, JobRequest.Prepared prepared, Completion completion) {
            this.request = request;
            this.lease = lease;
            this.completion = completion;
            this.denoisedPreview = request.parameters().denoisedPreviewOrDefault();
            this.chain = lease.model().sampler().job(prepared.spec(), prepared.inpainting(), this::onFrame);
            this.manager = lease.model().manager().newSubManager();
            this.tiles = SampleImages.Tiles.of(lease.model());
            this.manager.setName("job-" + request.jobId());
        }

        /**
         * On the sampling thread, inside a step: the frame's samples are the job's own copies, so the publisher
         * makes the PNGs and the event later.
         */
        private void onFrame(Frame frame) {
            String version = lease.model().version();
            String id = request.jobId();
            long seq = sequence++;
            int count = chain.count();
            boolean denoised = denoisedPreview;
            publishPreview(() -> new JobEvent.Frame(id, seq, frame.level(), frame.levels(), frame.sigma(),
                    frame.step(), frame.stepsInLevel(), frame.completedSteps(), frame.totalSteps(), version,
                    tiles.grid(frame.samples(), count), denoised ? tiles.grid(frame.denoised(), count) : null,
                    Instant.now()));
        }

        /**
         * Hands an event the job does not depend on (started, frames) to the publisher: counted as pending from
         * now (a hand-over waits for it), and a failure is logged, not fatal.
         */
        void publishPreview(java.util.function.Supplier<JobEvent> make) {
            pendingFrames.incrementAndGet();
            publisher.submit(() -> {
                long start = System.nanoTime();
                try {
                    JobEvent sent = make.get();
                    events.publish(sent).whenComplete((ok, error) -> {
                        pendingFrames.decrementAndGet();
                        if (error != null) {
                            // A lost preview is not worth failing the job for; the terminal event is what must arrive.
                            LOG.warnf("event %d of job %s was not stored: %s", sent.sequence(), sent.jobId(), error);
                        }
                    });
                } catch (RuntimeException e) {
                    pendingFrames.decrementAndGet();
                    LOG.warnf("an event of job %s was not sent: %s", request.jobId(), e);
                }
                metrics.eventSent(System.nanoTime() - start);
            });
        }
    }
}
