package dev.ncsn.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;

/** The exact score of a blurred {@link GaussianMixture} as a {@link ScoreModel}: samplers are tested on it. */
public final class GaussianMixtureScore implements ScoreModel {

    private final GaussianMixture mixture;
    private final NoiseSchedule schedule;

    public GaussianMixtureScore(GaussianMixture mixture, NoiseSchedule schedule) {
        this.mixture = mixture;
        this.schedule = schedule;
    }

    @Override
    public Shape sampleShape() {
        return new Shape(mixture.dimension());
    }

    @Override
    public NoiseSchedule schedule() {
        return schedule;
    }

    @Override
    public NDArray score(NDArray x, NDArray levels) {
        float[] points = x.toFloatArray();
        long[] level = levels.toLongArray();
        int d = mixture.dimension();
        float[] out = new float[points.length];
        for (int i = 0; i < level.length; i++) {
            mixture.perturbedScore(points, i * d, schedule.sigma((int) level[i]), out);
        }
        return x.getManager().create(out, x.getShape());
    }

    /** Exact at every σ, so samplers may use levels of their own. */
    @Override
    public boolean acceptsAnySigma() {
        return true;
    }

    @Override
    public NDArray scoreAtSigmas(NDArray x, NDArray sigmas) {
        float[] points = x.toFloatArray();
        float[] sigma = sigmas.toFloatArray();
        int d = mixture.dimension();
        float[] out = new float[points.length];
        for (int i = 0; i < sigma.length; i++) {
            mixture.perturbedScore(points, i * d, sigma[i], out);
        }
        return x.getManager().create(out, x.getShape());
    }
}
