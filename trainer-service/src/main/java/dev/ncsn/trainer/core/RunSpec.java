package dev.ncsn.trainer.core;

import com.fasterxml.jackson.annotation.JsonIgnore;
import dev.ncsn.model.NoiseSchedule;
import dev.ncsn.model.net.Architecture;
import dev.ncsn.model.net.ScoreNetworks;
import dev.ncsn.model.train.TrainingConfig;
import dev.ncsn.trainer.data.DatasetRef;

import java.util.Objects;

/**
 * A validated run: what {@link RunRequest} becomes once defaults are filled in and "latest" data references are
 * resolved. Stored in the run's record, so a resumed run trains exactly what was asked.
 *
 * @param runId                the run's id (letters, digits, '-', '.', '_'; at most 48)
 * @param model                model name the versions are published under
 * @param data                 training data; for a continuous run the dataset version of its first segment
 * @param heldOut              held-out images for the promotion gate, or null for the data's own held-out part
 * @param init                 start from fresh weights, or from the model's live version
 * @param continuous           after the last step, wait for a newer version of the dataset and train on it from the
 *                             live version, again and again
 * @param architecture         network sizes
 * @param objective            DSM or SSM
 * @param batchSize            images per step
 * @param steps                steps per segment (a non-continuous run has one segment)
 * @param learningRate         Adam's
 * @param emaRate              of the weights' moving average (the published weights)
 * @param seed                 seeds weights, data order, noise and the preview grid
 * @param randomFlip           random horizontal flips
 * @param checkpointEvery      publish a candidate version every this many steps (and at a segment's last step)
 * @param previewCount         images in each version's samples.png
 * @param previewStepsPerLevel Langevin steps per noise level for that grid
 */
public record RunSpec(
        String runId,
        String model,
        DatasetRef data,
        DatasetRef heldOut,
        Init init,
        boolean continuous,
        Architecture architecture,
        TrainingConfig.Objective objective,
        int batchSize,
        long steps,
        double learningRate,
        double emaRate,
        long seed,
        boolean randomFlip,
        int checkpointEvery,
        int previewCount,
        int previewStepsPerLevel) {

    /** Where a run's first weights come from. */
    public enum Init { SCRATCH, LIVE }

    public RunSpec {
        Objects.requireNonNull(runId, "runId");
        Objects.requireNonNull(model, "model");
        Objects.requireNonNull(data, "data");
        Objects.requireNonNull(init, "init");
        Objects.requireNonNull(architecture, "architecture");
        Objects.requireNonNull(objective, "objective");
    }

    /** The training configuration of every segment. */
    public TrainingConfig trainingConfig() {
        return new TrainingConfig(model, architecture, schedule(), objective, batchSize, learningRate, emaRate, seed,
                randomFlip);
    }

    /**
     * The architecture's family's default schedule: for NCSN the paper's image schedule for 10 levels, otherwise the
     * same σ range with the architecture's level count; for NCSNv2's presets their designed schedules.
     */
    @JsonIgnore
    public NoiseSchedule schedule() {
        return ScoreNetworks.defaultSchedule(architecture);
    }

    public RunSpec withData(DatasetRef newData, DatasetRef newHeldOut) {
        return new RunSpec(runId, model, newData, newHeldOut, init, continuous, architecture, objective, batchSize,
                steps, learningRate, emaRate, seed, randomFlip, checkpointEvery, previewCount, previewStepsPerLevel);
    }
}
