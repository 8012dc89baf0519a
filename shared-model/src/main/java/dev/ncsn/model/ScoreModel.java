package dev.ncsn.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;

/**
 * A score function s(x, σ_i) ≈ ∇x log q_σi(x): a trained network, or an exact analytic score for tests.
 * Samplers depend on this and on nothing else of the model.
 */
public interface ScoreModel {

    /** The shape of one sample, without the batch axis: (C, H, W) for images, (2) for the toy data. */
    Shape sampleShape();

    /** The noise levels this model was trained for (or is exact for). */
    NoiseSchedule schedule();

    /**
     * Scores of a batch.
     *
     * @param x      float32 [N, sampleShape…]
     * @param levels int64 [N], a 0-based level index per sample, so one batch may mix levels
     * @return float32 of x's shape, attached to x's manager
     */
    NDArray score(NDArray x, NDArray levels);

    /**
     * Whether {@link #scoreAtSigmas} accepts any σ &gt; 0, not only the trained levels: a network conditioned on σ
     * itself (NCSNv2's s(x)/σ form), or an exact score. Samplers then evaluate at the σ's of their own grid; a
     * network conditioned on a level index is evaluated at the trained level nearest each σ instead.
     */
    default boolean acceptsAnySigma() {
        return false;
    }

    /**
     * Scores at arbitrary noise levels, for models that {@link #acceptsAnySigma() accept any σ}.
     *
     * @param x      float32 [N, sampleShape…]
     * @param sigmas float32 [N], σ per sample
     */
    default NDArray scoreAtSigmas(NDArray x, NDArray sigmas) {
        throw new UnsupportedOperationException(getClass().getSimpleName() + " is only defined at its trained levels");
    }
}
