/**
 * Sampling, apart from the network and from Kafka: annealed Langevin dynamics (Algorithm 1), plain Langevin dynamics,
 * inpainting and NCSNv2's final denoising step ({@link dev.ncsn.model.sampling.AnnealedLangevinSampler}) over any
 * {@link dev.ncsn.model.ScoreModel}, one {@link dev.ncsn.model.sampling.LangevinChain} per job with its own seeded noise,
 * many chains sharing one forward pass; previews are {@link dev.ncsn.model.sampling.FrameListener} callbacks.
 */
package dev.ncsn.model.sampling;
