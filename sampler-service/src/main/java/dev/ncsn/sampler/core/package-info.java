/**
 * What a sampler worker does, with no Kafka and no Quarkus in it: {@link dev.ncsn.sampler.core.SamplerNode}
 * assembles one worker; {@link dev.ncsn.sampler.core.SamplingWorker} runs the admitted jobs' Langevin chains on
 * one thread with shared forward passes; {@link dev.ncsn.sampler.core.LiveModel},
 * {@link dev.ncsn.sampler.core.ServedModel} and {@link dev.ncsn.sampler.core.ModelReloader} keep each model on
 * its live, verified version; job events leave through a {@link dev.ncsn.sampler.core.JobEventSink}.
 */
package dev.ncsn.sampler.core;
