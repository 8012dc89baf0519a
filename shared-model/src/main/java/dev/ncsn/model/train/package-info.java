/**
 * Training: a resumable run ({@link dev.ncsn.model.train.TrainingRun}, bit for bit after a crash) of Adam
 * ({@link dev.ncsn.model.train.Adam}) on a score-matching loss, with an exponential moving average of the weights
 * (NCSNv2's EMA, {@link dev.ncsn.model.train.ExponentialMovingAverage}); {@link dev.ncsn.model.train.TrainingConfig}
 * says how. Gradient bookkeeping of DJL's PyTorch engine is in {@code Gradients} and {@code NoGrad}.
 */
package dev.ncsn.model.train;
