package dev.ncsn.trainer.core;

import dev.ncsn.trainer.data.DatasetRef;
import dev.ncsn.trainer.data.DatasetSource;
import dev.ncsn.trainer.store.CheckpointPublisher;
import dev.ncsn.trainer.store.StateSync;

import dev.ncsn.model.checkpoint.CheckpointManifest;
import dev.ncsn.model.checkpoint.LoadedCheckpoint;
import dev.ncsn.model.net.NcsnScoreNetwork;
import dev.ncsn.model.sampling.FrameListener;
import dev.ncsn.model.sampling.PreviewGrid;
import dev.ncsn.model.store.LivePointer;
import dev.ncsn.model.train.NoGrad;
import dev.ncsn.model.train.TrainingConfig;
import dev.ncsn.model.train.TrainingRun;
import org.jboss.logging.Logger;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * One run on its own worker thread: a {@link TrainingRun} per segment, a checkpoint every
 * {@code checkpointEvery} steps and at the segment's end, and for a continuous run the wait for new data.
 *
 * <p><b>A checkpoint at step K</b>, in this order:
 * <ol>
 *   <li>the training state is saved locally and uploaded ({@link StateSync});</li>
 *   <li>the version id is chosen and recorded in the run record as pending;</li>
 *   <li>the EMA weights are scored on the held-out set, the gate decides, the preview grid and loss curve are
 *       drawn, and {@link CheckpointPublisher} writes the version, then (if promoted) the pointer, then the event;</li>
 *   <li>the record gets the candidate and the loss history is saved.</li>
 * </ol>
 * <b>Resume</b> (after a stop, a crash or a restart) takes the newest saved state of the current segment, so it
 * continues from the last checkpoint (or the last stop) with the same step, weights, moments, EMA and data order
 * ({@code TrainingRun}'s guarantee). If the process died after step 1 but before step 4 of a checkpoint, the
 * resumed job publishes that checkpoint first, under the pending version id when one was recorded: the weights
 * are identical, and a version already written is not written again.
 */
public final class TrainingJob {

    private static final Logger LOG = Logger.getLogger(TrainingJob.class);

    /** Called on the training thread after each step (tests). */
    @FunctionalInterface
    interface StepListener {
        void onStep(long step, double loss);
    }

    private final RunRecord record;
    private final TrainerContext ctx;
    private final ProgressMeter progress = new ProgressMeter();
    private final CountDownLatch done = new CountDownLatch(1);
    private final Object wakeUp = new Object();
    private volatile boolean stopRequested;
    private volatile RunStatus stopAs = RunStatus.STOPPED;
    private volatile long crashAtStep = -1;
    private volatile long crashBeforePublishAt = -1;
    private volatile boolean crashed;
    private volatile StepListener stepListener;
    private volatile LossHistory history;
    private Thread thread;
    private long stateSavedAt = -1;
    private long lastLog;

    TrainingJob(RunRecord record, TrainerContext ctx) {
        this.record = record;
        this.ctx = ctx;
    }

    public String id() {
        return record.id();
    }

    public RunRecord record() {
        return record;
    }

    public ProgressMeter.Snapshot progress() {
        return progress.snapshot();
    }

    /** Whether the worker thread is still running. */
    public boolean isAlive() {
        return done.getCount() > 0;
    }

    synchronized void start() {
        if (thread != null) {
            throw new IllegalStateException("run " + id() + " was started already");
        }
        thread = new Thread(this::work, "train-" + id());
        thread.setDaemon(true);
        thread.start();
    }

    /**
     * Asks the worker to stop after its current step (or publication), save its state and end with {@code as}
     * (STOPPED on request, INTERRUPTED at shutdown).
     */
    public void stop(RunStatus as) {
        stopAs = as;
        stopRequested = true;
        synchronized (wakeUp) {
            wakeUp.notifyAll();
        }
    }

    /** Waits for the worker to end. */
    public boolean await(Duration timeout) throws InterruptedException {
        return done.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    /**
     * For tests: the worker vanishes once the step counter reaches {@code step}, without saving or recording
     * anything, as if the process had been killed.
     */
    void crashAtStep(long step) {
        crashAtStep = step;
    }

    /**
     * For tests: the worker vanishes at the checkpoint of {@code step} after saving the state and recording the
     * pending version id, before anything of the version is written.
     */
    void crashBeforePublishAt(long step) {
        crashBeforePublishAt = step;
    }

    /** Thrown to end the worker as abruptly as a killed process would (tests only). */
    private static final class SimulatedCrash extends Error {
        SimulatedCrash(String message) {
            super(message, null, false, false);
        }
    }

    void onStep(StepListener listener) {
        stepListener = listener;
    }

    // ------------------------------------------------------------------------------------------ the worker

    private void work() {
        RunSpec spec = record.spec();
        ctx.metrics().runStarted(id(), spec.model(), progress);
        try {
            while (true) {
                RunRecord.Segment segment = record.segment();
                if (!trainSegment(spec, segment)) {
                    return;
                }
                if (!spec.continuous()) {
                    setStatus(RunStatus.COMPLETED, null);
                    ctx.states().deleteLocal(id());
                    LOG.infof("run %s completed at step %d", id(), record.step());
                    return;
                }
                if (awaitNewData(spec, segment) == null) {
                    return;
                }
            }
        } catch (Throwable t) {
            if (!crashed) {
                String message = t.getMessage() == null ? t.toString() : t.getMessage();
                LOG.errorf(t, "run %s failed at step %d: %s", id(), record.step(), message);
                setStatus(RunStatus.FAILED, message);
            }
        } finally {
            ctx.metrics().runEnded(id());
            done.countDown();
        }
    }

    /** Trains one segment to its end step. False when the job stopped (or crashed) before. */
    private boolean trainSegment(RunSpec spec, RunRecord.Segment segment) {
        if (record.status() != RunStatus.RUNNING) {
            setStatus(RunStatus.RUNNING, null);
        }
        LOG.infof("run %s: loading %s", id(), segment.data());
        DatasetSource.TrainingData data = ctx.source().load(segment.data(), spec.heldOut(),
                ctx.settings().gate().heldOutSize());
        LOG.infof("run %s: training on %d images of %d×%d×%d; gate on %d held-out images (%s)", id(),
                data.train().size(), data.train().channels(), data.train().height(), data.train().width(),
                Math.min(data.heldOut().size(), ctx.settings().gate().heldOutSize()), data.heldOutOrigin());
        history = ctx.registry().loadLoss(id(), segment.index(), LossHistory.spacingFor(spec.steps()));
        try (TrainingRun run = open(spec, segment, data)) {
            record.step(run.step());
            progress.begin(run.step(), segment.endStep());
            lastLog = System.nanoTime();
            if (run.step() > segment.startStep() && isCheckpoint(spec, segment, run.step())
                    && record.candidate(segment.index(), run.step()).isEmpty()) {
                LOG.infof("run %s: the checkpoint at step %d was not published before the interruption; publishing"
                        + " it now", id(), run.step());
                checkpoint(spec, segment, run, data);
            }
            while (run.step() < segment.endStep()) {
                if (crashAtStep >= 0 && run.step() >= crashAtStep) {
                    crashed = true;
                    LOG.warnf("run %s: simulated crash at step %d", id(), run.step());
                    return false;
                }
                if (stopRequested) {
                    saveState(run, segment);
                    setStatus(stopAs, null);
                    LOG.infof("run %s: %s at step %d (state saved)", id(), stopAs.name().toLowerCase(), run.step());
                    return false;
                }
                double loss = run.trainStep();
                long step = run.step();
                record.step(step);
                progress.stepped(step, loss);
                history.add(step, loss);
                ctx.metrics().stepped(spec.model());
                StepListener listener = stepListener;
                if (listener != null) {
                    listener.onStep(step, loss);
                }
                maybeLog(spec);
                if (isCheckpoint(spec, segment, step)) {
                    checkpoint(spec, segment, run, data);
                }
            }
            return true;
        }
    }

    private TrainingRun open(RunSpec spec, RunRecord.Segment segment, DatasetSource.TrainingData data) {
        long saved = ctx.states().prepare(id(), segment.index());
        Path root = ctx.states().localRoot(id(), segment.index());
        TrainingConfig config = spec.trainingConfig();
        if (saved >= 0) {
            TrainingRun run = TrainingRun.resume(root, data.train());
            stateSavedAt = run.step();
            history.truncate(run.step());
            LOG.infof("run %s: resumed segment %d at step %d", id(), segment.index(), run.step());
            return run;
        }
        stateSavedAt = -1;
        history.truncate(segment.startStep());
        if (segment.initVersion() != null) {
            LoadedCheckpoint initial = ctx.store().fetch(spec.model(), segment.initVersion(), config.architecture(),
                    config.schedule());
            LOG.infof("run %s: segment %d starts from %s/%s at step %d", id(), segment.index(), spec.model(),
                    segment.initVersion(), segment.startStep());
            return TrainingRun.startFrom(config, data.train(), initial, segment.startStep());
        }
        LOG.infof("run %s: segment %d starts from fresh weights", id(), segment.index());
        return TrainingRun.start(config, data.train());
    }

    private static boolean isCheckpoint(RunSpec spec, RunRecord.Segment segment, long step) {
        return step > segment.startStep()
                && ((step - segment.startStep()) % spec.checkpointEvery() == 0 || step == segment.endStep());
    }

    private void saveState(TrainingRun run, RunRecord.Segment segment) {
        if (stateSavedAt == run.step()) {
            return;
        }
        int keep = ctx.settings().stateKeep();
        run.saveState(ctx.states().localRoot(id(), segment.index()), keep);
        ctx.states().upload(id(), segment.index(), keep);
        stateSavedAt = run.step();
    }

    private void checkpoint(RunSpec spec, RunRecord.Segment segment, TrainingRun run,
                            DatasetSource.TrainingData data) {
        long step = run.step();
        saveState(run, segment);
        RunRecord.Pending pending = record.pending();
        String version = pending != null && pending.step() == step && pending.segment() == segment.index()
                ? pending.version() : VersionIds.next(step, id());
        record.pending(new RunRecord.Pending(version, step, segment.index()));
        ctx.registry().save(record);
        if (step == crashBeforePublishAt) {
            crashed = true;
            LOG.warnf("run %s: simulated crash before publishing %s", id(), version);
            throw new SimulatedCrash("simulated crash before publishing " + version);
        }

        NcsnScoreNetwork ema = run.emaNetwork();
        PromotionGate.Score score = ctx.gate().score(ema, data.heldOut());
        PromotionGate.Decision decision = ctx.gate().decide(spec.model(), ema, score, data.heldOut());
        byte[] samples;
        try (NoGrad ignored = NoGrad.enter()) {
            samples = PreviewGrid.png(ema, spec.previewCount(), spec.seed(), spec.previewStepsPerLevel(),
                    FrameListener.NONE);
        }
        byte[] curve = history.png(spec.model() + " · " + id() + " · segment " + segment.index());
        double trainLoss = progress.smoothedLoss();
        Map<String, Double> metrics = new LinkedHashMap<>();
        metrics.put("heldOutDsmLoss", score.mean());
        if (Double.isFinite(trainLoss)) {
            metrics.put("trainLoss", trainLoss);
        }
        String parent = record.candidates().stream().filter(c -> c.segment() == segment.index())
                .reduce((a, b) -> b).map(RunRecord.Candidate::version).orElse(segment.initVersion());
        CheckpointManifest manifest = run.emaManifest(version).withMetrics(metrics).withParent(parent);
        Map<String, byte[]> extras = new LinkedHashMap<>();
        extras.put("samples.png", samples);
        extras.put("loss.png", curve);
        extras.put("evaluation.json", evaluationJson(spec, segment, step, version, decision, trainLoss));

        CheckpointPublisher.Published published = ctx.publisher().publish(manifest, ema.parameters(), extras,
                decision.promote());
        record.published(new RunRecord.Candidate(version, step, segment.index(), score.mean(),
                Double.isFinite(trainLoss) ? trainLoss : null, decision.promote(), decision.liveVersion(),
                decision.liveScore(), decision.reason(), Instant.now()));
        ctx.registry().saveLoss(id(), segment.index(), history);
        ctx.registry().save(record);
        ctx.metrics().published(spec.model(), decision.promote(), score.mean());
        LOG.infof("run %s: published %s/%s at step %d, held-out DSM loss %.6g: %s (%s)%s", id(), spec.model(),
                version, step, score.mean(), decision.promote() ? "PROMOTED to live" : "kept as a rejected candidate",
                decision.reason(), published.promoted() && !published.eventSent()
                        ? "; the model-update event could not be sent" : "");
    }

    private byte[] evaluationJson(RunSpec spec, RunRecord.Segment segment, long step, String version,
                                  PromotionGate.Decision d, double trainLoss) {
        Map<String, Object> e = new LinkedHashMap<>();
        e.put("model", spec.model());
        e.put("version", version);
        e.put("run", id());
        e.put("segment", segment.index());
        e.put("step", step);
        e.put("data", segment.data().toString());
        e.put("heldOut", d.heldOut());
        e.put("heldOutImages", d.images());
        e.put("noiseSeed", d.seed());
        e.put("heldOutDsmLoss", d.heldOutDsmLoss());
        e.put("heldOutDsmLossPerLevel", d.perLevel());
        if (Double.isFinite(trainLoss)) {
            e.put("trainLoss", trainLoss);
        }
        e.put("promoted", d.promote());
        e.put("comparedWith", d.liveVersion());
        e.put("liveHeldOutDsmLoss", d.liveScore());
        e.put("tolerance", d.tolerance());
        e.put("reason", d.reason());
        e.put("evaluatedAt", Instant.now().toString());
        return TrainerJson.bytes(e);
    }

    /** Waits for a newer complete version of the run's dataset; returns the new segment, or null if stopped. */
    private RunRecord.Segment awaitNewData(RunSpec spec, RunRecord.Segment segment) throws InterruptedException {
        setStatus(RunStatus.WAITING_FOR_DATA, null);
        String dataset = segment.data().dataset();
        int current = segment.data().versionNumber();
        LOG.infof("run %s: segment %d done; waiting for a version of dataset %s newer than v%d", id(),
                segment.index(), dataset, current);
        while (!stopRequested) {
            Optional<Integer> latest = Optional.empty();
            try {
                latest = ctx.catalog().latest(dataset);
            } catch (RuntimeException e) {
                LOG.warnf("run %s: cannot look for new data (will retry): %s", id(), e.getMessage());
            }
            if (latest.isPresent() && latest.get() > current) {
                DatasetRef next = DatasetRef.dataset(dataset, "v" + latest.get());
                Optional<LivePointer> live = ctx.store().live(spec.model());
                String init = live.map(LivePointer::version).orElse(null);
                long start = live.map(LivePointer::step).orElse(0L);
                RunRecord.Segment s = new RunRecord.Segment(segment.index() + 1, next, init, start,
                        start + spec.steps(), Instant.now());
                record.addSegment(s);
                setStatus(RunStatus.RUNNING, null);
                LOG.infof("run %s: new data %s; segment %d continues from %s", id(), next, s.index(),
                        init == null ? "fresh weights (no live version)" : spec.model() + "/" + init);
                return s;
            }
            synchronized (wakeUp) {
                if (!stopRequested) {
                    wakeUp.wait(Math.max(1, ctx.settings().dataPollInterval().toMillis()));
                }
            }
        }
        setStatus(stopAs, null);
        return null;
    }

    private void maybeLog(RunSpec spec) {
        long now = System.nanoTime();
        if (now - lastLog >= ctx.settings().logEvery().toNanos()) {
            lastLog = now;
            LOG.infof("run %s (%s): %s", id(), spec.model(), progress.line());
        }
    }

    private void setStatus(RunStatus status, String error) {
        record.status(status, error);
        try {
            ctx.registry().save(record);
        } catch (RuntimeException e) {
            LOG.warnf("run %s: could not save its record (status %s): %s", id(), status, e.getMessage());
        }
    }

    @Override
    public String toString() {
        return "TrainingJob[" + id() + ", " + record.status() + ", " + progress.line() + "]";
    }
}
