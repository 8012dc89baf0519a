package dev.ncsn.model.sampling;

import dev.ncsn.model.NoiseSchedule;
import dev.ncsn.model.schedule.ScheduleDesigner;

/**
 * What a job samples with where its request leaves the choice open: T, ε and the final denoising step. The serving
 * model decides ({@code net.ScoreNetworks.samplingDefaults}): the NCSN paper's values for a level-conditioned network
 * ({@link #PAPER}), and for a family whose schedules are designed from the data (NCSNv2) the same design's T = 5
 * with Technique 4's ε for the model's own levels, and the final step. One set of defaults for the sampler, the
 * gateway's pricing, the page and the command line, so that the same request costs and gives the same everywhere.
 *
 * @param stepsPerLevel T
 * @param stepSize      ε in Algorithm 1's convention ({@link SamplingSpec#epsilon})
 * @param finalDenoise  whether the noise-free last step x + σ_K²·s(x, σ_K) follows the sampler
 * @param designedFor   the schedule whose Technique 4 gave ε, so that ε follows a T the caller chooses
 *                      (null: ε is a fixed default, as NCSN's is)
 */
public record SamplingDefaults(int stepsPerLevel, double stepSize, boolean finalDenoise, NoiseSchedule designedFor) {

    /** Song & Ermon 2019: T = 100, the reference code's ε = 4·10⁻⁵, no final step. */
    public static final SamplingDefaults PAPER = new SamplingDefaults(SamplingSpec.PAPER_STEPS_PER_LEVEL,
            SamplingSpec.REFERENCE_EPSILON, false);

    /** Defaults whose ε is fixed, whatever T a caller chooses. */
    public SamplingDefaults(int stepsPerLevel, double stepSize, boolean finalDenoise) {
        this(stepsPerLevel, stepSize, finalDenoise, null);
    }

    /**
     * A designed schedule's defaults: T, Technique 4's ε for that T on the schedule's own ratio γ, and the final
     * step.
     */
    public static SamplingDefaults designed(NoiseSchedule schedule, int stepsPerLevel, boolean finalDenoise) {
        if (stepsPerLevel < 1) {
            // before Technique 4 is asked for ε at T < 1; the constructor's words
            throw new IllegalArgumentException("stepsPerLevel must be at least 1, got " + stepsPerLevel);
        }
        return new SamplingDefaults(stepsPerLevel, ScheduleDesigner.stepSizeFor(schedule, stepsPerLevel),
                finalDenoise, schedule);
    }

    public SamplingDefaults {
        if (stepsPerLevel < 1) {
            // the same words as SamplingSpec's: a caller's bad choice fails here first (overriddenBy)
            throw new IllegalArgumentException("stepsPerLevel must be at least 1, got " + stepsPerLevel);
        }
        if (!(stepSize > 0) || Double.isInfinite(stepSize)) {
            throw new IllegalArgumentException("step size ε must be positive and finite, got " + stepSize);
        }
    }

    /**
     * These defaults with what a caller chose in their place (null: not chosen, the default stands). A designed
     * ε follows a chosen T (Technique 4 picks ε for T; fewer steps get a larger one) unless the caller chose ε
     * too; a chosen ε is fixed from then on.
     */
    public SamplingDefaults overriddenBy(Integer chosenStepsPerLevel, Double chosenStepSize, Boolean chosenFinalDenoise) {
        boolean denoise = chosenFinalDenoise != null ? chosenFinalDenoise : finalDenoise;
        int steps = chosenStepsPerLevel != null ? chosenStepsPerLevel : stepsPerLevel;
        if (chosenStepSize == null && designedFor != null) {
            return designed(designedFor, steps, denoise);
        }
        return new SamplingDefaults(steps, chosenStepSize != null ? chosenStepSize : stepSize, denoise);
    }

    /** Default: one frame every 10 steps, so a browser sees the picture move without a flood of frames. */
    public static int frameEveryFor(int stepsPerLevel) {
        return Math.max(1, stepsPerLevel / 10);
    }
}
