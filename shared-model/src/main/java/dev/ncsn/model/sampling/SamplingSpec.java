package dev.ncsn.model.sampling;

import java.util.List;

/**
 * What one sampling job asks for.
 *
 * <p>Step sizes follow the paper's Algorithm 1: α_i = ε·σ_i²/σ_L² and x ← x + (α_i/2)·s + √α_i·z. The reference
 * code writes the same update as x ← x + η·s + √(2η)·z with η = step_lr·σ_i²/σ_L², so its default step_lr = 2·10⁻⁵
 * is ε = 4·10⁻⁵ here, which is {@link #REFERENCE_EPSILON} and the default.
 *
 * @param count          number of samples
 * @param seed           seeds every random number of the job (initial noise, sampler noise, inpainting noise)
 * @param sampler        the update rule with its options ({@link Samplers#create})
 * @param stepsPerLevel  T, the sampler's steps at each noise level (paper: 100): Langevin steps, or predictor
 *                       steps each with its corrector steps
 * @param epsilon        ε of Algorithm 1 (samplers with Langevin steps use it)
 * @param levels         K, the noise levels to sample through; 0 for the model's trained levels (other values
 *                       need a model that accepts any σ)
 * @param finalDenoise   NCSNv2's last step x ← x + σ_K²·s(x, σ_K), without noise, after any sampler
 * @param frameEvery     a frame every this many steps; the last step of every level always gives one
 * @param initLow        start from uniform noise on [initLow, initHigh] (images: [0, 1])
 * @param initHigh       see initLow
 */
public record SamplingSpec(
        int count,
        long seed,
        Sampler sampler,
        int stepsPerLevel,
        double epsilon,
        int levels,
        boolean finalDenoise,
        int frameEvery,
        double initLow,
        double initHigh) {

    /** The reference implementation's default step size, in Algorithm 1's convention (step_lr 2·10⁻⁵ × 2). */
    public static final double REFERENCE_EPSILON = 4e-5;
    /** The paper's T. */
    public static final int PAPER_STEPS_PER_LEVEL = 100;

    public SamplingSpec {
        if (count < 1) {
            throw new IllegalArgumentException("count must be at least 1, got " + count);
        }
        if (sampler == null) {
            throw new IllegalArgumentException("sampler is missing");
        }
        if (stepsPerLevel < 1) {
            throw new IllegalArgumentException("stepsPerLevel must be at least 1, got " + stepsPerLevel);
        }
        if (!(epsilon > 0) || Double.isInfinite(epsilon)) {
            throw new IllegalArgumentException("step size ε must be positive and finite, got " + epsilon);
        }
        if (levels < 0) {
            throw new IllegalArgumentException("levels must be positive (0: the model's), got " + levels);
        }
        if (frameEvery < 1) {
            throw new IllegalArgumentException("frameEvery must be at least 1, got " + frameEvery);
        }
        if (!(initHigh > initLow)) {
            throw new IllegalArgumentException("initial noise range is empty: [" + initLow + ", " + initHigh + "]");
        }
    }

    /** Image defaults: annealed Langevin, the paper's T, the reference step size, one frame per level, [0, 1]. */
    public static SamplingSpec images(int count, long seed) {
        return new SamplingSpec(count, seed, new AnnealedLangevin(), PAPER_STEPS_PER_LEVEL, REFERENCE_EPSILON, 0,
                false, PAPER_STEPS_PER_LEVEL, 0.0, 1.0);
    }

    /**
     * The evaluations this job makes on a grid, the final denoising step included: what it costs in network
     * evaluations is the list's size.
     */
    public List<Evaluation> plan(SigmaGrid grid) {
        Sampler effective = finalDenoise ? new FinalDenoise(sampler) : sampler;
        List<Evaluation> plan = effective.plan(grid, this);
        if (plan.isEmpty()) {
            throw new IllegalArgumentException("sampler " + sampler.name() + " planned no network evaluation");
        }
        return plan;
    }

    public SamplingSpec withSampler(Sampler s) {
        return new SamplingSpec(count, seed, s, stepsPerLevel, epsilon, levels, finalDenoise, frameEvery, initLow, initHigh);
    }

    public SamplingSpec withStepsPerLevel(int steps) {
        return new SamplingSpec(count, seed, sampler, steps, epsilon, levels, finalDenoise, frameEvery, initLow, initHigh);
    }

    public SamplingSpec withEpsilon(double eps) {
        return new SamplingSpec(count, seed, sampler, stepsPerLevel, eps, levels, finalDenoise, frameEvery, initLow, initHigh);
    }

    public SamplingSpec withLevels(int k) {
        return new SamplingSpec(count, seed, sampler, stepsPerLevel, epsilon, k, finalDenoise, frameEvery, initLow, initHigh);
    }

    public SamplingSpec withFinalDenoise(boolean denoise) {
        return new SamplingSpec(count, seed, sampler, stepsPerLevel, epsilon, levels, denoise, frameEvery, initLow, initHigh);
    }

    public SamplingSpec withFrameEvery(int every) {
        return new SamplingSpec(count, seed, sampler, stepsPerLevel, epsilon, levels, finalDenoise, every, initLow, initHigh);
    }

    public SamplingSpec withInitRange(double low, double high) {
        return new SamplingSpec(count, seed, sampler, stepsPerLevel, epsilon, levels, finalDenoise, frameEvery, low, high);
    }
}
