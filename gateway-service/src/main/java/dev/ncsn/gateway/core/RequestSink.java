package dev.ncsn.gateway.core;

import dev.ncsn.model.contract.CancelRequest;
import dev.ncsn.model.contract.GenerationRequest;
import dev.ncsn.model.contract.InpaintingRequest;

/**
 * Where submissions and cancels go: the request and control topics. Each call returns once Kafka has stored the
 * record (or throws a 503 {@link ProblemException}), so a 202 means the job is on the request topic.
 */
public interface RequestSink {

    /** Where a request landed, for its queue position; null when the sink cannot tell. */
    record Position(String topic, int partition, long offset) {
    }

    Position send(GenerationRequest request);

    Position send(InpaintingRequest request);

    Position send(CancelRequest request);
}
