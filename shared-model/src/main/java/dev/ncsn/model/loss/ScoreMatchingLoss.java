package dev.ncsn.model.loss;

import ai.djl.ndarray.NDArray;
import dev.ncsn.model.ScoreModel;

import java.util.random.RandomGenerator;

/** An objective of the paper's eq. (6) family: a batch loss with its randomness drawn from a Java generator. */
public interface ScoreMatchingLoss {

    /**
     * The loss of one batch, averaged over it.
     *
     * @param model the score model; when gradients are being recorded the result is differentiable in its parameters
     * @param x     float32 [N, sampleShape…], clean data
     * @param rng   the only source of randomness (levels, noise, projections), consumed in a documented order
     * @return a float32 scalar attached to x's manager
     */
    NDArray loss(ScoreModel model, NDArray x, RandomGenerator rng);
}
