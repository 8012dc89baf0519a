/** Kafka plumbing every service shares: creating the missing topics of the contract's {@code TopicPlan}. */
package dev.ncsn.common.kafka;
