/**
 * The sampler service: {@link dev.ncsn.sampler.SamplerService}, the Quarkus shell that builds one
 * {@link dev.ncsn.sampler.core.SamplerNode} from configuration at start-up and stops it at shutdown. Behaviour
 * lives in the packages below, in plain classes that tests build directly:
 * {@code core} (sampling, served models, reload), {@code kafka} (request consumer, channels, sinks),
 * {@code config}, {@code api} (health) and {@code metrics}.
 */
package dev.ncsn.sampler;
