package dev.ncsn.trainer.core;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.ncsn.model.OwnedArrays;
import dev.ncsn.model.ScoreModel;
import dev.ncsn.model.checkpoint.CheckpointManifest;
import dev.ncsn.model.checkpoint.LoadedCheckpoint;
import dev.ncsn.model.data.Dataset;
import dev.ncsn.model.loss.DenoisingScoreMatching;
import dev.ncsn.model.loss.PerLevelLoss;
import dev.ncsn.model.loss.Perturbation;
import dev.ncsn.model.net.Architecture;
import dev.ncsn.model.TrainableScoreModel;
import dev.ncsn.model.store.LivePointer;
import dev.ncsn.model.store.ModelStore;
import dev.ncsn.model.train.NoGrad;
import dev.ncsn.trainer.config.GateSettings;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.SplittableRandom;

/**
 * Decides whether a candidate version may become live. Both the candidate and the live version are scored by
 * their DSM loss on the same held-out images with the same fixed perturbation: the first {@code heldOutSize}
 * held-out images, levels cycling 0..L−1 and Gaussian noise drawn from {@code seed}
 * ({@link Perturbation#balanced}). The live version is re-scored on the candidate's held-out images rather than
 * trusting the score it was published with, so the comparison stays fair when a new dataset version brings other
 * held-out images. The candidate is promoted when
 * <pre>
 *   candidate ≤ live + tolerance · |live|
 * </pre>
 * or when there is no live version. A live version that cannot be compared (another noise schedule or image
 * shape) rejects the candidate, with the reason.
 *
 * <p>With {@code ncsn.trainer.gate.fid.enabled}, a candidate that passes must also not be worse by FID
 * ({@link FidMeter}: the same fixed small sample of both models, scored against the held-out images):
 * <pre>
 *   FID(candidate) ≤ FID(live) + fid.tolerance · FID(live)
 * </pre>
 * The candidate's FID is measured whenever the DSM condition passes (and recorded, also for a first version); the
 * live version's once per version and held-out set.
 */
public final class PromotionGate implements AutoCloseable {

    /** A score: the mean and the per-level means of the held-out DSM loss. */
    public record Score(double mean, double[] perLevel, int images) {
    }

    /**
     * The gate's verdict on one candidate; stored as the version's {@code evaluation.json}.
     *
     * @param liveVersion the live version compared with, null when there was none
     * @param liveScore   its score on the same images and noise, null when not compared
     * @param fid         the candidate's FID on the gate's fixed sample; null when not measured (FID gate off, or
     *                    the DSM condition rejected it first)
     * @param liveFid     the live version's FID on the same draw; null when not compared
     */
    public record Decision(boolean promote, double heldOutDsmLoss, double[] perLevel, String liveVersion,
                           Double liveScore, double tolerance, int images, long seed, String heldOut,
                           String reason, Double fid, Double liveFid) {
    }

    private final ModelStore store;
    private final GateSettings settings;
    private final DenoisingScoreMatching dsm = new DenoisingScoreMatching();
    private final Map<String, Score> liveScores = lastSixteen();
    private final Map<String, Double> liveFids = lastSixteen();
    /** Null when the FID condition is off. */
    private final FidMeter fid;

    /** Reads the FID gate's classifier when the condition is on: a missing one fails here, at start-up. */
    public PromotionGate(ModelStore store, GateSettings settings) {
        this.store = store;
        this.settings = settings;
        this.fid = settings.fid().enabled() ? new FidMeter(settings.fid()) : null;
    }

    private static <V> Map<String, V> lastSixteen() {
        return new LinkedHashMap<>(16, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, V> eldest) {
                return size() > 16;
            }
        };
    }

    public GateSettings settings() {
        return settings;
    }

    /** The fixed perturbation for n images of a given size and level count. */
    public Perturbation perturbation(int n, long sampleSize, int levels) {
        return Perturbation.balanced(n, sampleSize, levels, new SplittableRandom(settings.seed()));
    }

    /** The held-out DSM loss of a model, evaluated without gradients on the calling thread. */
    public Score score(ScoreModel model, Dataset heldOut) {
        int n = Math.min(settings.heldOutSize(), heldOut.size());
        if (n < 1) {
            throw new IllegalArgumentException("the held-out set " + heldOut.source() + " is empty");
        }
        int per = heldOut.valuesPerImage();
        int levels = model.schedule().levels();
        Perturbation fixed = perturbation(n, per, levels);
        float[] losses = new float[n];
        Shape sample = model.sampleShape();
        try (NoGrad ignored = NoGrad.enter(); NDManager manager = NDManager.newBaseManager()) {
            for (int from = 0; from < n; from += settings.batchSize()) {
                int to = Math.min(n, from + settings.batchSize());
                int[] index = new int[to - from];
                for (int i = 0; i < index.length; i++) {
                    index[i] = from + i;
                }
                float[] images = heldOut.batch(index);
                Perturbation part = new Perturbation(Arrays.copyOfRange(fixed.levels(), from, to),
                        Arrays.copyOfRange(fixed.noise(), from * per, to * per));
                try (NDManager pass = manager.newSubManager()) {
                    long[] dims = new long[sample.dimension() + 1];
                    dims[0] = to - from;
                    System.arraycopy(sample.getShape(), 0, dims, 1, sample.dimension());
                    NDArray x = OwnedArrays.copyOf(pass, images, new Shape(dims));
                    float[] part0 = dsm.perSampleLoss(model, x, part).toFloatArray();
                    System.arraycopy(part0, 0, losses, from, part0.length);
                }
            }
        }
        double sum = 0;
        for (float l : losses) {
            sum += l;
        }
        PerLevelLoss perLevel = PerLevelLoss.of(losses, fixed.levels(), levels);
        return new Score(sum / n, perLevel.mean(), n);
    }

    /**
     * Compares a candidate's score with the live version of {@code model} on the same held-out images (which
     * {@code heldOut} must be: the ones the candidate was scored on), and with the FID condition on, their FIDs.
     * Loads the live version when its figures on these images are not cached.
     *
     * @param architecture the candidate's (its family decides the FID sample's final step)
     */
    public Decision decide(String model, Architecture architecture, TrainableScoreModel candidate,
                           Score candidateScore, Dataset heldOut) {
        Optional<LivePointer> live = store.live(model);
        if (live.isEmpty()) {
            return decision(true, candidateScore, heldOut, null, null, "no live version yet: the first candidate "
                    + "becomes live", candidateFid(candidate, architecture, heldOut), null);
        }
        String liveVersion = live.get().version();
        CheckpointManifest manifest = store.manifest(model, liveVersion).orElse(null);
        if (manifest == null) {
            return decision(true, candidateScore, heldOut, liveVersion, null, "the live pointer names "
                    + liveVersion + ", which has no manifest; replacing it",
                    candidateFid(candidate, architecture, heldOut), null);
        }
        if (!manifest.schedule().equals(candidate.schedule())) {
            return decision(false, candidateScore, heldOut, liveVersion, null, "not comparable: the live version "
                    + "uses noise schedule " + manifest.schedule() + ", the candidate " + candidate.schedule(), null,
                    null);
        }
        if (!manifest.dataShape().toShape().equals(candidate.sampleShape())) {
            return decision(false, candidateScore, heldOut, liveVersion, null, "not comparable: the live version "
                    + "takes images of " + manifest.dataShape() + ", the candidate " + candidate.sampleShape(), null,
                    null);
        }
        Score liveScore = liveScore(model, manifest, heldOut);
        double limit = liveScore.mean() + settings.tolerance() * Math.abs(liveScore.mean());
        boolean promote = candidateScore.mean() <= limit;
        String reason = String.format(Locale.ROOT, "held-out DSM loss %.6g %s %.6g (live %s %.6g + "
                        + "tolerance %.3g)", candidateScore.mean(), promote ? "≤" : ">", limit, liveVersion,
                liveScore.mean(), settings.tolerance());
        if (!promote || fid == null) {
            return decision(promote, candidateScore, heldOut, liveVersion, liveScore.mean(), reason, null, null);
        }
        double candidateFid = candidateFid(candidate, architecture, heldOut);
        double liveFid = liveFid(model, manifest, heldOut);
        double fidLimit = liveFid + settings.fid().tolerance() * Math.abs(liveFid);
        boolean notWorse = candidateFid <= fidLimit;
        reason += String.format(Locale.ROOT, "; FID %.4g %s %.4g (live %.4g + tolerance %.3g, %d samples)",
                candidateFid, notWorse ? "≤" : ">", fidLimit, liveFid, settings.fid().tolerance(),
                settings.fid().samples());
        return decision(notWorse, candidateScore, heldOut, liveVersion, liveScore.mean(), reason, candidateFid,
                liveFid);
    }

    private Decision decision(boolean promote, Score score, Dataset heldOut, String liveVersion, Double liveScore,
                              String reason, Double candidateFid, Double liveFid) {
        return new Decision(promote, score.mean(), score.perLevel(), liveVersion, liveScore, settings.tolerance(),
                score.images(), settings.seed(), heldOut.source(), reason, candidateFid, liveFid);
    }

    /** The candidate's FID, or null when the FID condition is off. */
    private Double candidateFid(TrainableScoreModel candidate, Architecture architecture, Dataset heldOut) {
        return fid == null ? null : fid.of(candidate, architecture, heldOut);
    }

    private double liveFid(String model, CheckpointManifest manifest, Dataset heldOut) {
        String key = model + "/" + manifest.versionId() + "|" + FidMeter.referenceKey(heldOut);
        synchronized (liveFids) {
            Double cached = liveFids.get(key);
            if (cached != null) {
                return cached;
            }
        }
        LoadedCheckpoint checkpoint = store.fetch(model, manifest.versionId(), manifest.architecture(),
                manifest.schedule());
        double f;
        try (NDManager manager = NDManager.newBaseManager();
             TrainableScoreModel live = checkpoint.newNetwork(manager)) {
            f = fid.of(live, manifest.architecture(), heldOut);
        }
        synchronized (liveFids) {
            liveFids.put(key, f);
        }
        return f;
    }

    /** Closes the FID gate's classifier. */
    @Override
    public void close() {
        if (fid != null) {
            fid.close();
        }
    }

    private Score liveScore(String model, CheckpointManifest manifest, Dataset heldOut) {
        String key = model + "/" + manifest.versionId() + "|" + heldOut.source() + "|" + heldOut.size();
        synchronized (liveScores) {
            Score cached = liveScores.get(key);
            if (cached != null) {
                return cached;
            }
        }
        LoadedCheckpoint checkpoint = store.fetch(model, manifest.versionId(), manifest.architecture(),
                manifest.schedule());
        Score s;
        try (NDManager manager = NDManager.newBaseManager();
             TrainableScoreModel live = checkpoint.newNetwork(manager)) {
            s = score(live, heldOut);
        }
        synchronized (liveScores) {
            liveScores.put(key, s);
        }
        return s;
    }
}
