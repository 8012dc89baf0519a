package dev.ncsn.trainer.core;

import dev.ncsn.model.checkpoint.LoadedCheckpoint;
import dev.ncsn.model.store.LivePointer;
import dev.ncsn.model.train.TrainingConfig;
import dev.ncsn.model.train.TrainingRun;
import dev.ncsn.trainer.data.DatasetRef;
import dev.ncsn.trainer.data.DatasetSource;
import org.jboss.logging.Logger;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * One run on its own worker thread, its lifecycle: a {@link TrainingRun} per segment, a checkpoint every
 * {@code checkpointEvery} steps and at the segment's end ({@link CheckpointProtocol}), stop and resume, and for a
 * continuous run the wait for new data.
 *
 * <p><b>Resume</b> (after a stop, a crash or a restart) takes the newest saved state of the current segment, so it
 * continues from the last checkpoint (or the last stop) with the same step, weights, moments, EMA and data order
 * ({@code TrainingRun}'s guarantee). A checkpoint that a kill interrupted is published first.
 */
public final class TrainingJob {

    private static final Logger LOG = Logger.getLogger(TrainingJob.class);

    private final RunRecord record;
    private final TrainerContext ctx;
    private final ProgressMeter progress = new ProgressMeter();
    private final CountDownLatch done = new CountDownLatch(1);
    private final Object wakeUp = new Object();
    private final JobSeam seam = new JobSeam();
    private final CheckpointProtocol checkpoints;
    private volatile boolean stopRequested;
    /** Training thread only: the run started from fresh weights and has taken no step yet. */
    private boolean untrained;
    private volatile RunStatus stopAs = RunStatus.STOPPED;
    private volatile LossHistory history;
    private Thread thread;
    private long lastLog;

    TrainingJob(RunRecord record, TrainerContext ctx) {
        this.record = record;
        this.ctx = ctx;
        this.checkpoints = new CheckpointProtocol(record, ctx, seam);
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

    /** The job's test seam; configure it before the job starts ({@code TrainerNode.beforeLaunch}). */
    JobSeam seam() {
        return seam;
    }

    // ------------------------------------------------------------------------------------------ the worker

    private void work() {
        RunSpec spec = record.spec();
        ctx.metrics().runStarted(id(), spec.model(), progress);
        try {
            while (true) {
                RunRecord.Segment segment = record.segment();
                if (!trainSegment(segment)) {
                    return;
                }
                spec = record.spec();
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
        } catch (JobSeam.SimulatedKill kill) {
            LOG.warn(kill.getMessage());
        } catch (Throwable t) {
            String message = t.getMessage() == null ? t.toString() : t.getMessage();
            LOG.errorf(t, "run %s failed at step %d: %s", id(), record.step(), message);
            setStatus(RunStatus.FAILED, message);
        } finally {
            ctx.metrics().runEnded(id());
            done.countDown();
        }
    }

    /** Trains one segment to its end step. False when the job stopped before. */
    private boolean trainSegment(RunRecord.Segment segment) {
        RunSpec spec = record.spec();
        if (record.status() != RunStatus.RUNNING) {
            setStatus(RunStatus.RUNNING, null);
        }
        LOG.infof("run %s: loading %s", id(), segment.data());
        DatasetSource.TrainingData data = ctx.source().load(segment.data(), spec.heldOut(),
                ctx.settings().gate().heldOutSize());
        LOG.infof("run %s: training on %d images of %d×%d×%d; gate on %d held-out images (%s)", id(),
                data.train().size(), data.train().channels(), data.train().height(), data.train().width(),
                Math.min(data.heldOut().size(), ctx.settings().gate().heldOutSize()), data.heldOutOrigin());
        long saved = ctx.states().prepare(id(), segment.index());
        if (saved < 0 && segment.index() == 1 && segment.initVersion() == null && spec.designsSchedule()) {
            spec = designSchedule(spec, data);
        }
        history = ctx.registry().loadLoss(id(), segment.index(), LossHistory.spacingFor(spec.steps()));
        try (TrainingRun run = open(spec, segment, data, saved)) {
            record.step(run.step());
            progress.begin(run.step(), segment.endStep());
            lastLog = System.nanoTime();
            if (checkpoints.unpublished(spec, segment, run.step())) {
                LOG.infof("run %s: the checkpoint at step %d was not published before the interruption; publishing"
                        + " it now", id(), run.step());
                checkpoints.checkpoint(run, segment, data, history, progress.smoothedLoss());
            }
            while (run.step() < segment.endStep()) {
                seam.beforeStep(id(), run.step());
                if (stopRequested) {
                    if (untrained) {
                        // Fresh weights and no step yet: there is no state to save (the network's parameters are
                        // made by its first step), and a resume starts from the same seeded fresh weights.
                        setStatus(stopAs, null);
                        LOG.infof("run %s: %s before its first step", id(), stopAs.name().toLowerCase());
                        return false;
                    }
                    checkpoints.saveState(run, segment);
                    setStatus(stopAs, null);
                    LOG.infof("run %s: %s at step %d (state saved)", id(), stopAs.name().toLowerCase(), run.step());
                    return false;
                }
                double loss = run.trainStep();
                untrained = false;
                long step = run.step();
                record.step(step);
                progress.stepped(step, loss);
                history.add(step, loss);
                ctx.metrics().stepped(spec.model());
                seam.afterStep(step, loss);
                maybeLog(spec);
                if (CheckpointProtocol.isCheckpoint(spec, segment, step)) {
                    checkpoints.checkpoint(run, segment, data, history, progress.smoothedLoss());
                }
            }
            return true;
        }
    }

    /**
     * A new run of a family that designs its schedule (NCSNv2): the paper's design on the training data, logged rule
     * by rule and kept in the run's record before the first step, so that every later segment, resume and checkpoint
     * uses it. A run that has saved state never comes here: it keeps the schedule it trained on.
     */
    private RunSpec designSchedule(RunSpec spec, DatasetSource.TrainingData data) {
        LOG.infof("run %s: designing the noise schedule from the %d training images (NCSNv2's Techniques 1, 2, 4)",
                id(), data.train().size());
        long started = System.nanoTime();
        TrainingConfig designed = spec.trainingConfig().forNewRun(null, data.train());
        for (String line : designed.scheduleDesign().describe()) {
            LOG.infof("run %s: %s", id(), line);
        }
        RunSpec withSchedule = spec.withSchedule(designed.schedule(), designed.scheduleDesign());
        record.spec(withSchedule);
        ctx.registry().save(record);
        LOG.infof("run %s: trains on σ %.4f → %s over %d levels (designed in %.1f s)", id(),
                designed.schedule().sigmaMax(), designed.schedule().sigmaMin(), designed.schedule().levels(),
                (System.nanoTime() - started) / 1e9);
        return withSchedule;
    }

    private TrainingRun open(RunSpec spec, RunRecord.Segment segment, DatasetSource.TrainingData data, long saved) {
        untrained = false;
        Path root = ctx.states().localRoot(id(), segment.index());
        TrainingConfig config = spec.trainingConfig();
        if (saved >= 0) {
            TrainingRun run = TrainingRun.resume(root, data.train());
            checkpoints.openedAt(run.step());
            history.truncate(run.step());
            LOG.infof("run %s: resumed segment %d at step %d", id(), segment.index(), run.step());
            return run;
        }
        checkpoints.openedAt(-1);
        history.truncate(segment.startStep());
        if (segment.initVersion() != null) {
            LoadedCheckpoint initial = ctx.store().fetch(spec.model(), segment.initVersion(), config.architecture(),
                    config.schedule());
            LOG.infof("run %s: segment %d starts from %s/%s at step %d", id(), segment.index(), spec.model(),
                    segment.initVersion(), segment.startStep());
            return TrainingRun.startFrom(config, data.train(), initial, segment.startStep());
        }
        LOG.infof("run %s: segment %d starts from fresh weights", id(), segment.index());
        untrained = true;
        return TrainingRun.start(config, data.train());
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
