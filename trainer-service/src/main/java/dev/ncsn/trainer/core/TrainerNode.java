package dev.ncsn.trainer.core;

import dev.ncsn.model.checkpoint.CheckpointManifest;
import dev.ncsn.model.store.Bucket;
import dev.ncsn.model.store.LivePointer;
import dev.ncsn.model.store.ModelStore;
import dev.ncsn.trainer.config.TrainerSettings;
import dev.ncsn.trainer.data.DataRoots;
import dev.ncsn.trainer.data.DatasetCatalog;
import dev.ncsn.trainer.data.DatasetRef;
import dev.ncsn.trainer.data.DatasetSource;
import dev.ncsn.trainer.kafka.ModelUpdateSink;
import dev.ncsn.trainer.store.CheckpointPublisher;
import dev.ncsn.trainer.store.RetentionPolicy;
import dev.ncsn.trainer.store.StateSync;
import io.micrometer.core.instrument.MeterRegistry;
import org.jboss.logging.Logger;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The trainer without Quarkus: starts, stops, resumes and lists runs, and lists a model's versions. The REST
 * resources call it; tests build it directly.
 */
public final class TrainerNode implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(TrainerNode.class);

    private final TrainerContext ctx;
    private final Bucket bucket;
    private final Map<String, TrainingJob> jobs = new ConcurrentHashMap<>();
    private volatile boolean closed;
    private volatile java.util.function.Consumer<TrainingJob> beforeLaunch = job -> { };

    public TrainerNode(TrainerSettings settings, ModelStore store, Bucket bucket, ModelUpdateSink updates,
                       MeterRegistry registry) {
        this.bucket = bucket;
        this.ctx = new TrainerContext(settings, store, new DatasetCatalog(bucket),
                new DatasetSource(bucket, new DataRoots(settings.dataRoots())),
                new RunRegistry(bucket), new StateSync(bucket, settings.workDir()),
                new PromotionGate(store, settings.gate()),
                new CheckpointPublisher(store, updates, new RetentionPolicy(settings.keepLast()),
                        settings.eventSendAttempts()),
                new TrainerMetrics(registry));
    }

    public TrainerContext context() {
        return ctx;
    }

    public Bucket bucket() {
        return bucket;
    }

    public DatasetCatalog datasets() {
        return ctx.catalog();
    }

    /** Starts a run; the request is checked and its data references resolved before anything is written. */
    public synchronized RunView start(RunRequest request) {
        ensureOpen();
        RunSpec asked = request.toSpec(ctx.settings().defaults());
        return startSpec(asked);
    }

    private RunView startSpec(RunSpec asked) {
        RunSpec spec = asked;
        if (jobs.containsKey(spec.runId()) || ctx.registry().exists(spec.runId())) {
            throw new RunConflictException("a run named " + spec.runId() + " exists already");
        }
        requireRoom();
        DatasetRef data = resolve("data", spec.data());
        DatasetRef heldOut = spec.heldOut() == null ? null : resolve("heldOut", spec.heldOut());
        String initVersion = null;
        long startStep = 0;
        if (spec.init() == RunSpec.Init.LIVE) {
            String model = spec.model();
            LivePointer live = ctx.store().live(model).orElseThrow(() -> new DatasetCatalog.UnknownDataException(
                    "init is \"live\" but model " + model + " has no live version to start from"));
            initVersion = live.version();
            startStep = live.step();
            CheckpointManifest m = ctx.store().manifest(model, initVersion).orElseThrow(() ->
                    new DatasetCatalog.UnknownDataException("the live version " + live.version() + " of "
                            + model + " has no manifest"));
            // a run that would design its schedule continues on the live version's instead
            boolean takesLiveSchedule = spec.designsSchedule();
            var askedArchitecture = takesLiveSchedule
                    ? spec.architecture().withLevels(m.architecture().levels()) : spec.architecture();
            if (!m.architecture().equals(askedArchitecture)) {
                throw new InvalidRunException("init is \"live\" but the live version " + initVersion + " has "
                        + "architecture " + m.architecture() + ", the request " + askedArchitecture
                        + "; ask for the same preset or architecture");
            }
            if (takesLiveSchedule) {
                spec = spec.withSchedule(m.schedule(), m.scheduleDesign());
            } else if (spec.schedule() != null && !spec.schedule().equals(m.schedule())) {
                throw new InvalidRunException("init is \"live\" but the live version " + initVersion + " was "
                        + "trained on noise schedule " + m.schedule() + ", the request asks for " + spec.schedule());
            }
        }
        spec = spec.withData(data, heldOut);
        RunRecord.Segment first = new RunRecord.Segment(1, data, initVersion, startStep, startStep + spec.steps(),
                Instant.now());
        RunRecord record = RunRecord.create(spec, first);
        ctx.registry().save(record);
        LOG.infof("run %s: started for model %s on %s (%s, batch %d, %d steps, checkpoint every %d%s)",
                spec.runId(), spec.model(), data, spec.architecture(), spec.batchSize(), spec.steps(),
                spec.checkpointEvery(), spec.continuous() ? ", continuous" : "");
        return view(launch(record));
    }

    /** Asks a running run to stop after its current step; it saves its state and becomes STOPPED. */
    public RunView stop(String runId) {
        TrainingJob job = jobs.get(runId);
        if (job == null || !job.isAlive()) {
            RunRecord r = find(runId);
            throw new RunConflictException("run " + runId + " is not running here (status " + r.status() + ")");
        }
        job.stop(RunStatus.STOPPED);
        return view(job);
    }

    /** Continues a stopped, interrupted or failed run from its last saved state. */
    public synchronized RunView resume(String runId) {
        ensureOpen();
        TrainingJob running = jobs.get(runId);
        if (running != null && running.isAlive()) {
            throw new RunConflictException("run " + runId + " is running already");
        }
        RunRecord record = find(runId);
        if (record.status() == RunStatus.COMPLETED) {
            throw new RunConflictException("run " + runId + " has completed; start a new run (init \"live\" "
                    + "continues from the live version)");
        }
        requireRoom();
        return view(launch(ctx.registry().load(runId).orElse(record)));
    }

    /** Resumes the runs that were running when the trainer went away, as many as may run at once. */
    public synchronized List<String> resumeInterrupted() {
        List<String> resumed = new ArrayList<>();
        for (RunRecord r : ctx.registry().list()) {
            if (!r.status().resumesOnStart() || jobs.containsKey(r.id())) {
                continue;
            }
            if (activeJobs() >= ctx.settings().maxConcurrentRuns()) {
                LOG.warnf("run %s (%s) is not resumed: %d run(s) already train here; resume it later with "
                        + "POST /v1/runs/%s/resume", r.id(), r.status(), activeJobs(), r.id());
                continue;
            }
            LOG.infof("run %s was %s when the trainer stopped; resuming it", r.id(), r.status());
            launch(r);
            resumed.add(r.id());
        }
        return resumed;
    }

    public RunView run(String runId) {
        TrainingJob job = jobs.get(runId);
        return job != null ? view(job) : RunView.of(find(runId), null);
    }

    /** All runs in the store, oldest first, with live progress for those training here. */
    public List<RunView> runs() {
        Map<String, RunView> out = new LinkedHashMap<>();
        for (RunRecord r : ctx.registry().list()) {
            TrainingJob job = jobs.get(r.id());
            out.put(r.id(), job != null ? view(job) : RunView.of(r, null));
        }
        jobs.forEach((id, job) -> out.putIfAbsent(id, view(job)));
        return new ArrayList<>(out.values());
    }

    /** For tests: called with each job before its thread starts, to configure its {@link JobSeam}. */
    void beforeLaunch(java.util.function.Consumer<TrainingJob> hook) {
        beforeLaunch = hook;
    }

    /** The job of a run started or resumed on this node (tests). */
    public Optional<TrainingJob> job(String runId) {
        return Optional.ofNullable(jobs.get(runId));
    }

    /** A model's versions, oldest first, with their scores, gate verdicts and which one is live. */
    public ModelVersionsView versions(String model) {
        try {
            ModelStore.requireName(model, "model");
        } catch (IllegalArgumentException e) {
            throw new InvalidRunException(e.getMessage());
        }
        List<CheckpointManifest> manifests = ctx.store().versions(model);
        Optional<LivePointer> live = ctx.store().live(model);
        if (manifests.isEmpty() && live.isEmpty()) {
            throw new UnknownRunException("model " + model + " has no versions in the store");
        }
        String liveVersion = live.map(LivePointer::version).orElse(null);
        List<ModelVersionsView.Version> out = new ArrayList<>();
        for (CheckpointManifest m : manifests) {
            Optional<Evaluation> e = ctx.store().getVersionFile(model, m.versionId(), "evaluation.json")
                    .flatMap(b -> readEvaluation(b, model + "/" + m.versionId()));
            out.add(new ModelVersionsView.Version(m.versionId(), m.trainingStep(), m.createdAt(),
                    m.versionId().equals(liveVersion), m.parent(), m.metrics(), m.metrics().get("heldOutDsmLoss"),
                    e.map(Evaluation::promoted).orElse(null), e.map(Evaluation::comparedWith).orElse(null),
                    e.map(Evaluation::liveHeldOutDsmLoss).orElse(null), e.map(Evaluation::reason).orElse(null),
                    e.map(Evaluation::run).orElse(null)));
        }
        return new ModelVersionsView(model, liveVersion, out);
    }

    /** One file of a version (samples.png, loss.png, evaluation.json, manifest.json). */
    public Optional<byte[]> versionFile(String model, String version, String file) {
        try {
            ModelStore.requireName(model, "model");
            ModelStore.requireName(version, "version");
            ModelStore.requireName(file, "file");
        } catch (IllegalArgumentException e) {
            throw new InvalidRunException(e.getMessage());
        }
        if (file.equals("parameters.bin")) {
            throw new InvalidRunException("parameters.bin is not served here; read it from the store");
        }
        return ctx.store().get(ModelStore.versionPrefix(model, version) + file);
    }

    private static Optional<Evaluation> readEvaluation(byte[] json, String what) {
        try {
            return Optional.of(TrainerJson.MAPPER.readValue(json, Evaluation.class));
        } catch (Exception e) {
            LOG.warnf("evaluation.json of %s cannot be read: %s", what, e.getMessage());
            return Optional.empty();
        }
    }

    private RunRecord find(String runId) {
        TrainingJob job = jobs.get(runId);
        if (job != null) {
            return job.record();
        }
        return ctx.registry().load(runId).orElseThrow(() -> new UnknownRunException("no run named " + runId));
    }

    private TrainingJob launch(RunRecord record) {
        if (!record.status().isActive()) {
            record.status(RunStatus.RUNNING, null);
            ctx.registry().save(record);
        }
        TrainingJob job = new TrainingJob(record, ctx);
        beforeLaunch.accept(job);
        jobs.put(record.id(), job);
        job.start();
        return job;
    }

    private void requireRoom() {
        if (activeJobs() >= ctx.settings().maxConcurrentRuns()) {
            throw new RunConflictException(activeJobs() + " run(s) are training on this trainer, the most it runs "
                    + "at once (ncsn.trainer.max-concurrent-runs); stop one first");
        }
    }

    /** Runs whose worker is alive on this node (training or waiting for data). */
    public int activeRuns() {
        return activeJobs();
    }

    private int activeJobs() {
        return (int) jobs.values().stream().filter(TrainingJob::isAlive).count();
    }

    private DatasetRef resolve(String field, DatasetRef ref) {
        try {
            if (ref.path() != null) {
                // The roots first, before the file system is asked: a path outside them is refused whether it exists.
                if (!Files.exists(ctx.source().roots().require(field, ref.path()))) {
                    throw new DatasetCatalog.UnknownDataException(field + ": no such file or directory on the "
                            + "trainer: " + ref.path());
                }
                return ref;
            }
            if (ref.prefix() != null) {
                if (!bucket.hasAny(ref.prefix())) {
                    throw new DatasetCatalog.UnknownDataException(field + ": no objects under s3://" + bucket.name()
                            + "/" + ref.prefix());
                }
                return ref;
            }
            return ctx.catalog().resolve(ref);
        } catch (DatasetCatalog.UnknownDataException e) {
            if (e.getMessage().startsWith(field + ":")) {
                throw e;
            }
            throw new DatasetCatalog.UnknownDataException(field + ": " + e.getMessage());
        }
    }

    private RunView view(TrainingJob job) {
        return RunView.of(job.record(), job.progress());
    }

    private void ensureOpen() {
        if (closed) {
            throw new IllegalStateException("the trainer is shutting down");
        }
    }

    /** Stops every run (INTERRUPTED: resumed at the next start) and waits up to {@code grace} for them. */
    public void close(Duration grace) {
        closed = true;
        jobs.values().stream().filter(TrainingJob::isAlive).forEach(j -> j.stop(RunStatus.INTERRUPTED));
        long deadline = System.nanoTime() + grace.toNanos();
        for (TrainingJob job : jobs.values()) {
            try {
                long left = Math.max(0, deadline - System.nanoTime());
                if (!job.await(Duration.ofNanos(left))) {
                    LOG.warnf("run %s did not stop within %s; it resumes from its last saved state", job.id(), grace);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
        ctx.gate().close();
    }

    @Override
    public void close() {
        close(Duration.ofMinutes(1));
    }
}
