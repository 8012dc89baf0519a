/**
 * The sampler's settings: {@link dev.ncsn.sampler.config.SamplerConfig}, the typed {@code ncsn.sampler.*}
 * mapping, and {@link dev.ncsn.sampler.config.SamplerSettings}, the plain value a node is built from (tests
 * build it without Quarkus). S3 settings are services-common's {@code S3Config}.
 */
package dev.ncsn.sampler.config;
