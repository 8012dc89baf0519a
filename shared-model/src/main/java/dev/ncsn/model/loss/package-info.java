/**
 * The training objectives of the paper's eq. (6) family ({@link dev.ncsn.model.loss.ScoreMatchingLoss}): denoising score
 * matching, eq. (5)–(6) with λ(σ) = σ² ({@link dev.ncsn.model.loss.DenoisingScoreMatching}), and sliced score matching,
 * eq. (3) at every level ({@link dev.ncsn.model.loss.SlicedScoreMatching}), with their randomness drawn in Java
 * ({@link dev.ncsn.model.loss.Perturbation}) so that a step is reproducible.
 */
package dev.ncsn.model.loss;
