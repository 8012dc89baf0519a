/**
 * The sampler's Kafka side: the request consumer of the pool's group (manual commits, pause while full,
 * cooperative rebalancing), request decoding into dead letters or jobs, the SmallRye channels for cancels and
 * model updates, and the emitters behind the event and dead-letter sinks.
 */
package dev.ncsn.sampler.kafka;
