package dev.ncsn.model.sampling;

import dev.ncsn.model.NoiseSchedule;

/**
 * The noise levels a job samples through: the model's trained levels by default, or K levels of the same
 * geometric range when the model accepts any σ.
 *
 * <p>Samplers that move the samples from one σ to the next (predictor–corrector, probability flow, ancestral,
 * consistent annealed) take {@code stepsPerLevel} T steps per level, over a finer geometric grid of K·T σ's from
 * σ1 to σK ({@link #fine}); with T = 1 that is the levels themselves. A network conditioned on a level index is
 * evaluated at the trained level nearest each σ (on the log scale, as score_sde rounds a time to its nearest
 * discrete level), while the update uses the grid's σ.
 */
public final class SigmaGrid {

    private final NoiseSchedule trained;
    private final double[] sigmas;
    private final boolean anySigma;

    private SigmaGrid(NoiseSchedule trained, double[] sigmas, boolean anySigma) {
        this.trained = trained;
        this.sigmas = sigmas;
        this.anySigma = anySigma;
    }

    /**
     * @param trained  the model's levels
     * @param levels   K, or 0 for the trained levels
     * @param anySigma whether the model accepts any σ; otherwise K must be the trained L
     */
    public static SigmaGrid of(NoiseSchedule trained, int levels, boolean anySigma) {
        if (levels < 0) {
            throw new IllegalArgumentException("levels must be positive, got " + levels);
        }
        if (levels == 0 || levels == trained.levels()) {
            return new SigmaGrid(trained, trained.sigmas(), anySigma);
        }
        if (!anySigma) {
            throw new IllegalArgumentException("this network is conditioned on its " + trained.levels()
                    + " trained noise levels; levels=" + levels + " needs a network that accepts any σ");
        }
        return new SigmaGrid(trained, geometric(trained.sigmaMax(), trained.sigmaMin(), levels), true);
    }

    /** K. */
    public int levels() {
        return sigmas.length;
    }

    /** σ of a 0-based level, σ1 (index 0) the largest. */
    public double sigma(int index) {
        return sigmas[index];
    }

    /** σK, the smallest: Algorithm 1's σL. */
    public double smallest() {
        return sigmas[sigmas.length - 1];
    }

    public NoiseSchedule trained() {
        return trained;
    }

    public boolean acceptsAnySigma() {
        return anySigma;
    }

    /** K·T σ's from σ1 down to σK, geometric; with T = 1 the grid's levels. Entry (k−1)·T + t−1 is level k, step t. */
    public double[] fine(int stepsPerLevel) {
        if (stepsPerLevel == 1) {
            return sigmas.clone();
        }
        return geometric(sigmas[0], smallest(), sigmas.length * stepsPerLevel);
    }

    private static double[] geometric(double max, double min, int n) {
        double[] s = new double[n];
        for (int i = 0; i < n; i++) {
            s[i] = n == 1 ? max : max * Math.pow(min / max, (double) i / (n - 1));
        }
        s[n - 1] = n == 1 ? max : min;
        return s;
    }
}
