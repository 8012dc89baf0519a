package dev.ncsn.model.sampling;

/**
 * A snapshot of a job for previews.
 *
 * @param level          1-based noise level of the sampler's grid (1 = σ1, the largest)
 * @param levels         levels of that grid (K)
 * @param sigma          σ of the step's last evaluation
 * @param step           1-based step within the level; for a final denoising step, stepsInLevel + 1
 * @param stepsInLevel   steps of this level
 * @param completedSteps network evaluations done so far by the job, this one included
 * @param totalSteps     network evaluations the whole job takes
 * @param finalDenoise   whether this is the frame of a noise-free jump (NCSNv2's final step, walk-jump's jump)
 * @param samples        the current samples after this step, [count, C·H·W] row-major
 * @param denoised       the denoised estimate x + σ²·s(x, σ) at the x the step's last evaluation saw
 */
public record Frame(
        int level,
        int levels,
        double sigma,
        int step,
        int stepsInLevel,
        int completedSteps,
        int totalSteps,
        boolean finalDenoise,
        float[] samples,
        float[] denoised) {
}
