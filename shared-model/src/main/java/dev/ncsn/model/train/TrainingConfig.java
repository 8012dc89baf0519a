package dev.ncsn.model.train;

import com.fasterxml.jackson.annotation.JsonCreator;
import dev.ncsn.model.NoiseSchedule;
import dev.ncsn.model.data.Dataset;
import dev.ncsn.model.net.Architecture;
import dev.ncsn.model.net.ScoreNetworks;
import dev.ncsn.model.schedule.ScheduleDesigner;

import java.util.Objects;

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
 * @param scheduleDesign how the schedule was designed from the training data, every rule's value (null when it was
 *                      given or is the family's default); checkpoints carry it
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
        boolean randomFlip,
        ScheduleDesigner.Design scheduleDesign) {

    /** The training objective. */
    public enum Objective { DSM, SSM }

    @JsonCreator
    public TrainingConfig {
        Objects.requireNonNull(architecture, "architecture");
        Objects.requireNonNull(schedule, "schedule");
        if (scheduleDesign != null && !scheduleDesign.schedule().equals(schedule)) {
            throw new IllegalArgumentException("the schedule " + schedule + " is not its design's "
                    + scheduleDesign.schedule());
        }
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

    /** A configuration whose schedule is given or the family's default (no design). */
    public TrainingConfig(String modelName, Architecture architecture, NoiseSchedule schedule, Objective objective,
                          int batchSize, double learningRate, double emaRate, long seed, boolean randomFlip) {
        this(modelName, architecture, schedule, objective, batchSize, learningRate, emaRate, seed, randomFlip, null);
    }

    /**
     * The same training on another schedule (the architecture takes its level count), with the design it came
     * from or null.
     */
    public TrainingConfig withSchedule(NoiseSchedule newSchedule, ScheduleDesigner.Design design) {
        return new TrainingConfig(modelName, architecture.withLevels(newSchedule.levels()), newSchedule, objective,
                batchSize, learningRate, emaRate, seed, randomFlip, design);
    }

    /**
     * The schedule a new run of this configuration trains on, for its training data: {@code given} when there is
     * one; else, for a family that designs its schedule (NCSNv2), the paper's design on {@code data}
     * ({@link ScheduleDesigner#design(Dataset)}, which compares every pair of training images: about 40 CPU seconds
     * for 60,000 Fashion-MNIST images); else this configuration as it is (the family's default schedule). A resumed
     * run does not come here: it keeps the schedule saved with its state.
     */
    public TrainingConfig forNewRun(NoiseSchedule given, Dataset data) {
        if (given != null) {
            return withSchedule(given, null);
        }
        if (ScoreNetworks.family(architecture).designsSchedule()) {
            ScheduleDesigner.Design design = ScheduleDesigner.design(data);
            return withSchedule(design.schedule(), design);
        }
        return this;
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
