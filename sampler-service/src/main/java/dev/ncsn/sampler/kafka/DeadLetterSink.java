package dev.ncsn.sampler.kafka;

import dev.ncsn.model.contract.DeadLetter;

import java.util.concurrent.CompletionStage;

/** Where messages that cannot be understood go: the dead-letter topic. */
@FunctionalInterface
public interface DeadLetterSink {

    /** Completes when the dead letter is stored. */
    CompletionStage<Void> publish(DeadLetter letter);
}
