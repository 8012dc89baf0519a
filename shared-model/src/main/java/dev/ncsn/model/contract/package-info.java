/**
 * The contracts between services: every Kafka message as a record with its strict JSON encoding
 * ({@link dev.ncsn.model.contract.Contracts}), the topic names ({@link dev.ncsn.model.contract.Topics}) and the one plan
 * of their partitions and configs ({@link dev.ncsn.model.contract.TopicPlan}). Services know each other only through
 * this package.
 */
package dev.ncsn.model.contract;
