/**
 * The mathematics of NCSN that every other package builds on: the noise levels σ1 &gt; … &gt; σL
 * ({@link dev.ncsn.model.NoiseSchedule}), what a sampler needs of a model ({@link dev.ncsn.model.ScoreModel}: s(x, σ_i)
 * for a batch, one level per sample) and what training and checkpoints need ({@link dev.ncsn.model.TrainableScoreModel}),
 * exact scores of blurred Gaussian mixtures that samplers are tested against ({@link dev.ncsn.model.GaussianMixtureScore}),
 * and {@link dev.ncsn.model.OwnedArrays}, the guard against DJL freeing arrays autograd still needs.
 *
 * <p>shared-model knows no service: plain Java and DJL, no Quarkus, no Kafka client. The module README maps each of
 * the paper's equations and algorithms to its class.
 */
package dev.ncsn.model;
