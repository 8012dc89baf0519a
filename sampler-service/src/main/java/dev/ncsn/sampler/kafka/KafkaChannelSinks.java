package dev.ncsn.sampler.kafka;

import dev.ncsn.sampler.core.JobEventSink;

import dev.ncsn.model.contract.Contracts;
import dev.ncsn.model.contract.DeadLetter;
import dev.ncsn.model.contract.JobEvent;
import dev.ncsn.common.trace.KafkaTraceContext;
import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.context.Context;
import io.smallrye.reactive.messaging.kafka.api.OutgoingKafkaRecordMetadata;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.eclipse.microprofile.reactive.messaging.Channel;
import org.eclipse.microprofile.reactive.messaging.Emitter;
import org.eclipse.microprofile.reactive.messaging.Message;
import org.eclipse.microprofile.reactive.messaging.Metadata;
import org.eclipse.microprofile.reactive.messaging.OnOverflow;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Semaphore;

/**
 * Job events and dead letters through SmallRye emitters (channels {@code frames} and {@code dead-letter}, bound
 * to topics in application.properties). Each send completes when Kafka has acknowledged the record. At most
 * {@value #MAX_PENDING} records are unacknowledged at once: beyond that a sender (the sampling thread) waits,
 * which slows sampling down to what Kafka takes instead of overflowing the emitter's buffer. The trace context
 * current at the send (the job's span, see {@code JobTraces}) goes into the record's headers.
 */
@ApplicationScoped
public class KafkaChannelSinks implements JobEventSink, DeadLetterSink {

    static final int MAX_PENDING = 1024;

    private final Semaphore pending = new Semaphore(MAX_PENDING);

    @Inject
    @Channel("frames")
    @OnOverflow(value = OnOverflow.Strategy.BUFFER, bufferSize = 2 * MAX_PENDING)
    Emitter<String> frames;

    @Inject
    @Channel("dead-letter")
    @OnOverflow(value = OnOverflow.Strategy.BUFFER, bufferSize = 2 * MAX_PENDING)
    Emitter<String> deadLetters;

    @Inject
    OpenTelemetry otel;

    @Override
    public CompletionStage<Void> publish(JobEvent event) {
        return send(frames, event.jobId(), Contracts.encode(event));
    }

    @Override
    public CompletionStage<Void> publish(DeadLetter letter) {
        return send(deadLetters, letter.key(), Contracts.encode(letter));
    }

    private CompletionStage<Void> send(Emitter<String> emitter, String key, String json) {
        pending.acquireUninterruptibly();
        RecordHeaders headers = new RecordHeaders();
        KafkaTraceContext.inject(otel, Context.current(), headers);
        CompletableFuture<Void> acked = new CompletableFuture<>();
        Message<String> message = Message.of(json,
                Metadata.of(OutgoingKafkaRecordMetadata.<String>builder().withKey(key).withHeaders(headers).build()),
                () -> {
                    acked.complete(null);
                    return CompletableFuture.completedFuture(null);
                },
                error -> {
                    acked.completeExceptionally(error);
                    return CompletableFuture.completedFuture(null);
                });
        try {
            emitter.send(message);
        } catch (RuntimeException e) {
            pending.release();
            return CompletableFuture.failedFuture(e);
        }
        return acked.whenComplete((ok, error) -> pending.release());
    }
}
