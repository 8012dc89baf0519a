package dev.ncsn.trainer.kafka;

import dev.ncsn.model.contract.ModelUpdate;

/** Where model-update events go: the compacted model-updates topic, keyed by model name. */
@FunctionalInterface
public interface ModelUpdateSink {

    /** Sends one event and returns once Kafka has acknowledged it; throws if it could not be sent. */
    void publish(ModelUpdate update) throws Exception;
}
