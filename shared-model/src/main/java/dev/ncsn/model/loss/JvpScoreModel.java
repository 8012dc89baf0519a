package dev.ncsn.model.loss;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import dev.ncsn.model.ScoreModel;

/**
 * A score model that also computes the Jacobian-vector product J·v, J = ∂s(x, σ_i)/∂x per sample, by forward-mode
 * differentiation in ordinary (first-order) array operations. {@link SlicedScoreMatching} uses it to get the exact
 * vᵀJv term without a second backward pass; see there why.
 */
public interface JvpScoreModel extends ScoreModel {

    /**
     * The scores and their directional derivatives of a batch.
     *
     * @param x      float32 [N, sampleShape…]
     * @param levels int64 [N], 0-based level per sample
     * @param v      float32 of x's shape, one direction per sample
     * @return [s(x), J·v], both of x's shape, attached to x's manager, differentiable in the parameters when
     *         gradients are recorded
     */
    NDList scoreAndJvp(NDArray x, NDArray levels, NDArray v);
}
