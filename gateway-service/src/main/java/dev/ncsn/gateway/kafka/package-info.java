/**
 * Kafka: the SmallRye emitters that publish requests and cancels ({@code RequestPublisher}), the group-less
 * consumer that reads every job's requests and events into the registry ({@code EventFeed}), and the sampler
 * group's lag ({@code Backlog}).
 */
package dev.ncsn.gateway.kafka;
