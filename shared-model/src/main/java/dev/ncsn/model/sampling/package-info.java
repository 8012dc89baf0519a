/**
 * Sampling, apart from the network and from Kafka. A {@link dev.ncsn.model.sampling.Sampler} is an update rule with
 * its plan of network evaluations (annealed Langevin dynamics, plain Langevin, predictor–corrector, probability
 * flow, ancestral, consistent annealed, walk-jump), found by name in {@link dev.ncsn.model.sampling.Samplers}; a
 * {@link dev.ncsn.model.sampling.SamplingJob} holds one job's state (samples, seeded stream, position, cancel flag);
 * a {@link dev.ncsn.model.sampling.SamplingRunner} shares one forward pass between all running jobs over any
 * {@link dev.ncsn.model.ScoreModel}. Inpainting and NCSNv2's final denoising step wrap every sampler; previews are
 * {@link dev.ncsn.model.sampling.FrameListener} callbacks.
 */
package dev.ncsn.model.sampling;
