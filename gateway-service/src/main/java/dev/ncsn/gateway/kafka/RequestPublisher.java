package dev.ncsn.gateway.kafka;

import dev.ncsn.gateway.config.GatewayConfig;
import dev.ncsn.gateway.core.ProblemException;
import dev.ncsn.gateway.core.RequestSink;
import dev.ncsn.model.contract.CancelRequest;
import dev.ncsn.model.contract.Contracts;
import dev.ncsn.model.contract.GenerationRequest;
import dev.ncsn.model.contract.InpaintingRequest;
import io.smallrye.reactive.messaging.OutgoingMessageMetadata;
import io.smallrye.reactive.messaging.kafka.api.OutgoingKafkaRecordMetadata;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.eclipse.microprofile.reactive.messaging.Channel;
import org.eclipse.microprofile.reactive.messaging.Emitter;
import org.eclipse.microprofile.reactive.messaging.Message;
import org.eclipse.microprofile.reactive.messaging.Metadata;
import org.eclipse.microprofile.reactive.messaging.OnOverflow;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Sends jobs and cancels to Kafka through SmallRye emitters (channels {@code generation-requests},
 * {@code inpainting-requests} and {@code cancel-requests}, bound to topics in application.properties), keyed by
 * job id, and waits for Kafka's acknowledgement: a 202 means the job is stored on the request topic. Returns where
 * the record landed, for the queue position.
 */
@ApplicationScoped
public class RequestPublisher implements RequestSink {

    @Inject
    @Channel("generation-requests")
    @OnOverflow(value = OnOverflow.Strategy.BUFFER, bufferSize = 1024)
    Emitter<String> generations;

    @Inject
    @Channel("inpainting-requests")
    @OnOverflow(value = OnOverflow.Strategy.BUFFER, bufferSize = 1024)
    Emitter<String> inpaintings;

    @Inject
    @Channel("cancel-requests")
    @OnOverflow(value = OnOverflow.Strategy.BUFFER, bufferSize = 1024)
    Emitter<String> cancels;

    @Inject
    GatewayConfig config;

    @Override
    public Position send(GenerationRequest request) {
        return send(generations, request.jobId(), Contracts.encode(request));
    }

    @Override
    public Position send(InpaintingRequest request) {
        return send(inpaintings, request.jobId(), Contracts.encode(request));
    }

    @Override
    public Position send(CancelRequest request) {
        return send(cancels, request.jobId(), Contracts.encode(request));
    }

    private Position send(Emitter<String> emitter, String key, String json) {
        OutgoingMessageMetadata<RecordMetadata> result = new OutgoingMessageMetadata<>();
        CompletableFuture<Void> acked = new CompletableFuture<>();
        Message<String> message = Message.of(json,
                Metadata.of(OutgoingKafkaRecordMetadata.<String>builder().withKey(key).build(), result),
                () -> {
                    acked.complete(null);
                    return CompletableFuture.completedFuture(null);
                },
                error -> {
                    acked.completeExceptionally(error);
                    return CompletableFuture.completedFuture(null);
                });
        Duration timeout = config.sendTimeout();
        try {
            emitter.send(message);
            acked.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            throw ProblemException.unavailable("Kafka did not acknowledge the request within " + timeout.toSeconds()
                    + " s", 10);
        } catch (ExecutionException e) {
            throw ProblemException.unavailable("Kafka refused the request: " + e.getCause().getMessage(), 10);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw ProblemException.unavailable("interrupted while sending to Kafka", 10);
        } catch (RuntimeException e) {
            if (e instanceof ProblemException p) {
                throw p;
            }
            throw ProblemException.unavailable("cannot send to Kafka: " + e.getMessage(), 10);
        }
        RecordMetadata m = result.getResult();
        return m == null ? null : new Position(m.topic(), m.partition(), m.offset());
    }
}
