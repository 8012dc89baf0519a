package dev.ncsn.model.sampling;

/**
 * A snapshot of a chain for previews.
 *
 * @param level          1-based noise level (1 = σ1, the largest)
 * @param sigma          σ of that level
 * @param step           1-based step within the level; for the final denoising step, stepsInLevel + 1
 * @param stepsInLevel   T for this level
 * @param completedSteps score evaluations done so far by the job, this one included
 * @param totalSteps     score evaluations the whole job takes
 * @param finalDenoise   whether this is the frame of NCSNv2's final denoising step
 * @param samples        the current samples after this step, [count, C·H·W] row-major
 * @param denoised       the denoised estimate x + σ²·s(x, σ) at the x this step started from
 */
public record Frame(
        int level,
        double sigma,
        int step,
        int stepsInLevel,
        int completedSteps,
        int totalSteps,
        boolean finalDenoise,
        float[] samples,
        float[] denoised) {
}
