/**
 * The paper's toy experiment (Figure 3) on a two-mode Gaussian mixture, with the exact score or a small learned one
 * ({@link dev.ncsn.model.toy.ToyExperiment}, {@link dev.ncsn.model.toy.ToyScoreNetwork}).
 */
package dev.ncsn.model.toy;
