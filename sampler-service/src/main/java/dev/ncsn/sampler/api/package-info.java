/**
 * What the sampler answers over HTTP: SmallRye Health's readiness (every served model loaded and the consumer
 * in the group) and liveness (no thread died, no terminal event lost). Metrics are served by Micrometer at
 * {@code /q/metrics}.
 */
package dev.ncsn.sampler.api;
