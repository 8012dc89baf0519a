package dev.ncsn.trainer.core;

import dev.ncsn.model.NoiseSchedule;
import dev.ncsn.model.net.Architecture;
import dev.ncsn.model.net.ScoreNetworks;
import dev.ncsn.model.schedule.ScheduleDesigner;
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
 * @param schedule             the noise levels: given by the request, the family's default (NCSN), the live
 *                             version's (init live), or designed from the training data when the run first starts
 *                             (NCSNv2, see {@link TrainingJob}); null until then, and in records written before
 *                             schedules were stored (their family's default)
 * @param scheduleDesign       how the schedule was designed, each rule's value; null when it was not designed
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
        int previewStepsPerLevel,
        NoiseSchedule schedule,
        ScheduleDesigner.Design scheduleDesign) {

    /** Where a run's first weights come from. */
    public enum Init { SCRATCH, LIVE }

    public RunSpec {
        Objects.requireNonNull(runId, "runId");
        Objects.requireNonNull(model, "model");
        Objects.requireNonNull(data, "data");
        Objects.requireNonNull(init, "init");
        Objects.requireNonNull(architecture, "architecture");
        Objects.requireNonNull(objective, "objective");
        if (schedule != null && schedule.levels() != architecture.levels()) {
            throw new IllegalArgumentException("the schedule has " + schedule.levels() + " levels, the architecture "
                    + architecture.levels());
        }
    }

    /** The training configuration of every segment. */
    public TrainingConfig trainingConfig() {
        return new TrainingConfig(model, architecture, schedule != null ? schedule
                : ScoreNetworks.defaultSchedule(architecture), objective, batchSize, learningRate, emaRate, seed,
                randomFlip, scheduleDesign);
    }

    /** Whether the schedule is still to be designed from the training data when the run first trains. */
    public boolean designsSchedule() {
        return schedule == null && ScoreNetworks.family(architecture).designsSchedule();
    }

    /** The run on this schedule (the architecture takes its level count), with the design it came from or null. */
    public RunSpec withSchedule(NoiseSchedule newSchedule, ScheduleDesigner.Design design) {
        return new RunSpec(runId, model, data, heldOut, init, continuous,
                architecture.withLevels(newSchedule.levels()), objective, batchSize, steps, learningRate, emaRate,
                seed, randomFlip, checkpointEvery, previewCount, previewStepsPerLevel, newSchedule, design);
    }

    public RunSpec withData(DatasetRef newData, DatasetRef newHeldOut) {
        return new RunSpec(runId, model, newData, newHeldOut, init, continuous, architecture, objective, batchSize,
                steps, learningRate, emaRate, seed, randomFlip, checkpointEvery, previewCount, previewStepsPerLevel,
                schedule, scheduleDesign);
    }
}
