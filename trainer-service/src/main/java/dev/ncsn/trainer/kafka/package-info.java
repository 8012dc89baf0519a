/**
 * Kafka: {@link dev.ncsn.trainer.kafka.ModelUpdateSink}, where model-update events go, and its SmallRye
 * implementation on the {@code model-updates} channel (bound to the compacted topic in application.properties).
 */
package dev.ncsn.trainer.kafka;
