package dev.ncsn.sampler.kafka;

import dev.ncsn.sampler.core.JobEventSink;

import dev.ncsn.model.contract.Contracts;
import dev.ncsn.model.contract.DeadLetter;
import dev.ncsn.model.contract.JobEvent;
import io.smallrye.reactive.messaging.kafka.Record;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.eclipse.microprofile.reactive.messaging.Channel;
import org.eclipse.microprofile.reactive.messaging.Emitter;
import org.eclipse.microprofile.reactive.messaging.OnOverflow;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Semaphore;

/**
 * Job events and dead letters through SmallRye emitters (channels {@code frames} and {@code dead-letter}, bound
 * to topics in application.properties). Each send completes when Kafka has acknowledged the record. At most
 * {@value #MAX_PENDING} records are unacknowledged at once: beyond that a sender (the sampling thread) waits,
 * which slows sampling down to what Kafka takes instead of overflowing the emitter's buffer.
 */
@ApplicationScoped
public class KafkaChannelSinks implements JobEventSink, DeadLetterSink {

    static final int MAX_PENDING = 1024;

    private final Semaphore pending = new Semaphore(MAX_PENDING);

    @Inject
    @Channel("frames")
    @OnOverflow(value = OnOverflow.Strategy.BUFFER, bufferSize = 2 * MAX_PENDING)
    Emitter<Record<String, String>> frames;

    @Inject
    @Channel("dead-letter")
    @OnOverflow(value = OnOverflow.Strategy.BUFFER, bufferSize = 2 * MAX_PENDING)
    Emitter<Record<String, String>> deadLetters;

    @Override
    public CompletionStage<Void> publish(JobEvent event) {
        return send(frames, event.jobId(), Contracts.encode(event));
    }

    @Override
    public CompletionStage<Void> publish(DeadLetter letter) {
        return send(deadLetters, letter.key(), Contracts.encode(letter));
    }

    private CompletionStage<Void> send(Emitter<Record<String, String>> emitter, String key, String json) {
        pending.acquireUninterruptibly();
        CompletionStage<Void> sent;
        try {
            sent = emitter.send(Record.of(key, json));
        } catch (RuntimeException e) {
            pending.release();
            return CompletableFuture.failedFuture(e);
        }
        return sent.whenComplete((ok, error) -> pending.release());
    }
}
