package dev.ncsn.model.sampling;

/**
 * What one sampling job asks for.
 *
 * <p>Step sizes follow the paper's Algorithm 1: α_i = ε·σ_i²/σ_L² and x ← x + (α_i/2)·s + √α_i·z. The reference
 * code writes the same update as x ← x + η·s + √(2η)·z with η = step_lr·σ_i²/σ_L², so its default step_lr = 2·10⁻⁵
 * is ε = 4·10⁻⁵ here, which is {@link #REFERENCE_EPSILON} and the default.
 *
 * @param count          number of samples
 * @param seed           seeds every random number of the job (initial noise, Langevin noise, inpainting noise)
 * @param stepsPerLevel  T, Langevin steps per noise level (paper: 100)
 * @param epsilon        ε of Algorithm 1
 * @param dynamics       annealed (the paper's) or plain Langevin (for comparison)
 * @param finalDenoise   NCSNv2's last step x ← x + σ_L²·s(x, σ_L), without noise
 * @param frameEvery     a frame every this many steps; the last step of every level always gives one
 * @param initLow        start from uniform noise on [initLow, initHigh] (images: [0, 1])
 * @param initHigh       see initLow
 */
public record SamplingSpec(
        int count,
        long seed,
        int stepsPerLevel,
        double epsilon,
        Dynamics dynamics,
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
        if (stepsPerLevel < 1) {
            throw new IllegalArgumentException("stepsPerLevel must be at least 1, got " + stepsPerLevel);
        }
        if (!(epsilon > 0) || Double.isInfinite(epsilon)) {
            throw new IllegalArgumentException("step size ε must be positive and finite, got " + epsilon);
        }
        if (frameEvery < 1) {
            throw new IllegalArgumentException("frameEvery must be at least 1, got " + frameEvery);
        }
        if (!(initHigh > initLow)) {
            throw new IllegalArgumentException("initial noise range is empty: [" + initLow + ", " + initHigh + "]");
        }
        if (dynamics == null) {
            throw new IllegalArgumentException("dynamics is missing");
        }
    }

    /** Image defaults: the paper's T, the reference step size, one frame per level, uniform noise on [0, 1]. */
    public static SamplingSpec images(int count, long seed) {
        return new SamplingSpec(count, seed, PAPER_STEPS_PER_LEVEL, REFERENCE_EPSILON, Dynamics.ANNEALED,
                false, PAPER_STEPS_PER_LEVEL, 0.0, 1.0);
    }

    public SamplingSpec withStepsPerLevel(int steps) {
        return new SamplingSpec(count, seed, steps, epsilon, dynamics, finalDenoise, frameEvery, initLow, initHigh);
    }

    public SamplingSpec withEpsilon(double eps) {
        return new SamplingSpec(count, seed, stepsPerLevel, eps, dynamics, finalDenoise, frameEvery, initLow, initHigh);
    }

    public SamplingSpec withDynamics(Dynamics d) {
        return new SamplingSpec(count, seed, stepsPerLevel, epsilon, d, finalDenoise, frameEvery, initLow, initHigh);
    }

    public SamplingSpec withFinalDenoise(boolean denoise) {
        return new SamplingSpec(count, seed, stepsPerLevel, epsilon, dynamics, denoise, frameEvery, initLow, initHigh);
    }

    public SamplingSpec withFrameEvery(int every) {
        return new SamplingSpec(count, seed, stepsPerLevel, epsilon, dynamics, finalDenoise, every, initLow, initHigh);
    }

    public SamplingSpec withInitRange(double low, double high) {
        return new SamplingSpec(count, seed, stepsPerLevel, epsilon, dynamics, finalDenoise, frameEvery, low, high);
    }
}
