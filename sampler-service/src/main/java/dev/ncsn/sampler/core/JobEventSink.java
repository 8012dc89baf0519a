package dev.ncsn.sampler.core;

import dev.ncsn.model.contract.JobEvent;

import java.util.concurrent.CompletionStage;

/**
 * Where job events go: the frames topic, keyed by job id. Events of one job are published from one thread in
 * sequence order, and an implementation must keep that order (one Kafka producer, idempotent, does).
 */
@FunctionalInterface
public interface JobEventSink {

    /** Completes when the event is stored (acknowledged by Kafka); fails when it could not be. */
    CompletionStage<Void> publish(JobEvent event);
}
