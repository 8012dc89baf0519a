package dev.ncsn.sampler.core;

import dev.ncsn.sampler.config.SamplerSettings;
import dev.ncsn.sampler.kafka.DeadLetterSink;

import dev.ncsn.model.contract.Contracts;
import dev.ncsn.model.contract.DeadLetter;
import dev.ncsn.model.contract.JobEvent;
import dev.ncsn.model.contract.TopicPlan;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;

import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Consumer;

/**
 * The sinks of a test node: a plain idempotent Kafka producer, as the service's emitters are configured. An
 * optional hook sees every job event on the publishing thread before it is sent (tests use it to act at an
 * exact point of a job, e.g. cancel after a given step, or hold a job while a reload happens).
 */
final class ProducerSinks implements JobEventSink, DeadLetterSink, AutoCloseable {

    private final KafkaProducer<String, String> producer;
    private final SamplerSettings.TopicNames topics;
    private volatile Consumer<JobEvent> hook = e -> { };

    ProducerSinks(String bootstrapServers, SamplerSettings.TopicNames topics) {
        this.topics = topics;
        this.producer = new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers,
                ProducerConfig.ACKS_CONFIG, "all",
                ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true",
                ProducerConfig.LINGER_MS_CONFIG, "0",
                ProducerConfig.MAX_REQUEST_SIZE_CONFIG, Integer.toString(TopicPlan.MAX_MESSAGE_BYTES)),
                new StringSerializer(), new StringSerializer());
    }

    void hook(Consumer<JobEvent> hook) {
        this.hook = hook;
    }

    @Override
    public CompletionStage<Void> publish(JobEvent event) {
        hook.accept(event);
        return send(topics.frames(), event.jobId(), Contracts.encode(event));
    }

    @Override
    public CompletionStage<Void> publish(DeadLetter letter) {
        return send(topics.deadLetter(), letter.key(), Contracts.encode(letter));
    }

    private CompletionStage<Void> send(String topic, String key, String value) {
        CompletableFuture<Void> done = new CompletableFuture<>();
        producer.send(new ProducerRecord<>(topic, key, value), (metadata, error) -> {
            if (error == null) {
                done.complete(null);
            } else {
                done.completeExceptionally(error);
            }
        });
        return done;
    }

    @Override
    public void close() {
        producer.close();
    }
}
