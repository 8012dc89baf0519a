/** The sampler's Prometheus metrics, named in one place ({@link dev.ncsn.sampler.metrics.SamplerMetrics}). */
package dev.ncsn.sampler.metrics;
