package dev.ncsn.trainer.core;

import dev.ncsn.model.checkpoint.CheckpointManifest;
import dev.ncsn.model.TrainableScoreModel;
import dev.ncsn.model.sampling.FrameListener;
import dev.ncsn.model.sampling.PreviewGrid;
import dev.ncsn.model.train.NoGrad;
import dev.ncsn.model.train.TrainingRun;
import dev.ncsn.trainer.data.DatasetSource;
import dev.ncsn.trainer.store.CheckpointPublisher;
import org.jboss.logging.Logger;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A run's checkpoints, in the order that makes a kill at any point recoverable. A checkpoint at step K:
 * <ol>
 *   <li>the training state is saved locally and uploaded ({@code StateSync});</li>
 *   <li>the version id is chosen and recorded in the run record as pending;</li>
 *   <li>the EMA weights are scored on the held-out set, the gate decides, the preview grid and loss curve are
 *       drawn, and {@link CheckpointPublisher} writes the version, then (if promoted) the pointer, then the event;</li>
 *   <li>the record gets the candidate and the loss history is saved.</li>
 * </ol>
 * If the process died after step 1 but before step 4, the resumed job finds its state at K with no candidate for
 * K ({@link #unpublished}) and publishes that checkpoint first, under the pending version id when one was
 * recorded: the weights are identical, and a version already written is not written again.
 */
final class CheckpointProtocol {

    private static final Logger LOG = Logger.getLogger(CheckpointProtocol.class);

    private final RunRecord record;
    private final TrainerContext ctx;
    private final JobSeam seam;
    /** The step of the state last saved by this job, so a stop right after a checkpoint does not save twice. */
    private long stateSavedAt = -1;

    CheckpointProtocol(RunRecord record, TrainerContext ctx, JobSeam seam) {
        this.record = record;
        this.ctx = ctx;
        this.seam = seam;
    }

    /** Whether {@code step} of the segment is a checkpoint: every checkpointEvery steps, and the segment's last. */
    static boolean isCheckpoint(RunSpec spec, RunRecord.Segment segment, long step) {
        return step > segment.startStep()
                && ((step - segment.startStep()) % spec.checkpointEvery() == 0 || step == segment.endStep());
    }

    /** A run resumed at a checkpoint that has no candidate yet: the kill came between saving and recording. */
    boolean unpublished(RunSpec spec, RunRecord.Segment segment, long step) {
        return step > segment.startStep() && isCheckpoint(spec, segment, step)
                && record.candidate(segment.index(), step).isEmpty();
    }

    /** The run was opened from the state saved at {@code step} (or, -1, from weights with no saved state). */
    void openedAt(long step) {
        stateSavedAt = step;
    }

    /** Saves the state (locally, then to the bucket) unless it was saved at this step already. */
    void saveState(TrainingRun run, RunRecord.Segment segment) {
        if (stateSavedAt == run.step()) {
            return;
        }
        int keep = ctx.settings().stateKeep();
        run.saveState(ctx.states().localRoot(record.id(), segment.index()), keep);
        ctx.states().upload(record.id(), segment.index(), keep);
        stateSavedAt = run.step();
    }

    /**
     * The checkpoint at the run's current step.
     *
     * @param trainLoss the smoothed training loss, NaN when no step was timed since the resume
     */
    void checkpoint(TrainingRun run, RunRecord.Segment segment, DatasetSource.TrainingData data, LossHistory history,
                    double trainLoss) {
        RunSpec spec = record.spec();
        long step = run.step();
        saveState(run, segment);
        String version = pendingVersion(step, segment);
        seam.beforePublish(record.id(), step, version);

        TrainableScoreModel ema = run.emaNetwork();
        PromotionGate.Score score = ctx.gate().score(ema, data.heldOut());
        PromotionGate.Decision decision = ctx.gate().decide(spec.model(), run.config().architecture(), ema, score,
                data.heldOut());
        byte[] samples;
        try (NoGrad ignored = NoGrad.enter()) {
            samples = PreviewGrid.png(ema, spec.previewCount(), spec.seed(), spec.previewStepsPerLevel(),
                    FrameListener.NONE);
        }
        byte[] curve = history.png(spec.model() + " · " + record.id() + " · segment " + segment.index());
        Map<String, Double> metrics = new LinkedHashMap<>();
        metrics.put("heldOutDsmLoss", score.mean());
        if (Double.isFinite(trainLoss)) {
            metrics.put("trainLoss", trainLoss);
        }
        if (decision.fid() != null) {
            metrics.put("fid", decision.fid());
        }
        String parent = record.candidates().stream().filter(c -> c.segment() == segment.index())
                .reduce((a, b) -> b).map(RunRecord.Candidate::version).orElse(segment.initVersion());
        CheckpointManifest manifest = run.emaManifest(version).withMetrics(metrics).withParent(parent);
        Map<String, byte[]> extras = new LinkedHashMap<>();
        extras.put("samples.png", samples);
        extras.put("loss.png", curve);
        extras.put("evaluation.json",
                TrainerJson.bytes(Evaluation.of(record, segment, step, version, decision, trainLoss)));

        CheckpointPublisher.Published published = ctx.publisher().publish(manifest, ema.parameters(), extras,
                decision.promote());
        record.published(new RunRecord.Candidate(version, step, segment.index(), score.mean(),
                Double.isFinite(trainLoss) ? trainLoss : null, decision.promote(), decision.liveVersion(),
                decision.liveScore(), decision.reason(), Instant.now()));
        ctx.registry().saveLoss(record.id(), segment.index(), history);
        ctx.registry().save(record);
        ctx.metrics().published(spec.model(), decision.promote(), score.mean());
        LOG.infof("run %s: published %s/%s at step %d, held-out DSM loss %.6g: %s (%s)%s", record.id(), spec.model(),
                version, step, score.mean(), decision.promote() ? "PROMOTED to live" : "kept as a rejected candidate",
                decision.reason(), published.promoted() && !published.eventSent()
                        ? "; the model-update event could not be sent" : "");
    }

    /** The version id of the checkpoint at {@code step}: the pending one if it is this checkpoint's, else a new one. */
    private String pendingVersion(long step, RunRecord.Segment segment) {
        RunRecord.Pending pending = record.pending();
        String version = pending != null && pending.step() == step && pending.segment() == segment.index()
                ? pending.version() : VersionIds.next(step, record.id());
        record.pending(new RunRecord.Pending(version, step, segment.index()));
        ctx.registry().save(record);
        return version;
    }
}
