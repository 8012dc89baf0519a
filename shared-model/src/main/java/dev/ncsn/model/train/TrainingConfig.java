package dev.ncsn.model.train;

import dev.ncsn.model.NoiseSchedule;
import dev.ncsn.model.net.Architecture;
import dev.ncsn.model.net.ScoreNetworks;

/**
 * How a score network is trained.
 *
 * @param modelName     name the published checkpoints carry
 * @param architecture  network sizes
 * @param schedule      noise levels (their count must equal architecture.levels)
 * @param objective     denoising score matching (the paper's choice for images) or sliced score matching
 * @param batchSize     images per step (paper: 128)
 * @param learningRate  Adam's (paper: 10⁻³)
 * @param emaRate       rate of the exponential moving average of the weights (NCSNv2: 0.999); the EMA weights
 *                      are what gets published
 * @param seed          seeds initial weights, data order, flips, noise levels and noise: a run is a function of it
 * @param randomFlip    random horizontal flips of training images
 */
public record TrainingConfig(
        String modelName,
        Architecture architecture,
        NoiseSchedule schedule,
        Objective objective,
        int batchSize,
        double learningRate,
        double emaRate,
        long seed,
        boolean randomFlip) {

    /** The training objective. */
    public enum Objective { DSM, SSM }

    public TrainingConfig {
        if (schedule.levels() != architecture.levels()) {
            throw new IllegalArgumentException("the schedule has " + schedule.levels()
                    + " levels, the architecture " + architecture.levels());
        }
        if (batchSize < 1) {
            throw new IllegalArgumentException("batch size must be at least 1, got " + batchSize);
        }
        if (!(learningRate > 0)) {
            throw new IllegalArgumentException("learning rate must be positive, got " + learningRate);
        }
        if (!(emaRate >= 0 && emaRate < 1)) {
            throw new IllegalArgumentException("EMA rate must be in [0, 1), got " + emaRate);
        }
    }

    /**
     * The paper's settings (DSM, Adam 10⁻³, the family's default schedule: NCSN's image schedule for NCSN presets)
     * with NCSNv2's EMA, for a preset.
     */
    public static TrainingConfig paper(String modelName, Architecture architecture, int batchSize, long seed) {
        return new TrainingConfig(modelName, architecture, ScoreNetworks.defaultSchedule(architecture), Objective.DSM,
                batchSize,
                Adam.PAPER_LEARNING_RATE, ExponentialMovingAverage.NCSNV2_RATE, seed, false);
    }
}
