package dev.ncsn.sampler.core;

import dev.ncsn.sampler.config.SamplerSettings;
import dev.ncsn.sampler.kafka.ControlMessages;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.StringDeserializer;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * The control and model-update topics for a worker outside Quarkus, read as the service's SmallRye channels read
 * them ({@code kafka.ControlChannels}): a group of this worker's own, from the earliest retained record, nothing
 * committed, every record handed to {@link ControlMessages}.
 */
final class ControlFeed implements AutoCloseable {

    private final KafkaConsumer<String, String> consumer;
    private final SamplerSettings.TopicNames topics;
    private final ControlMessages control;
    private final Thread thread;
    private volatile boolean stop;

    ControlFeed(String bootstrapServers, SamplerSettings.TopicNames topics, String instance, ControlMessages control) {
        this.topics = topics;
        this.control = control;
        this.consumer = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers,
                ConsumerConfig.GROUP_ID_CONFIG, "control-" + instance + "-" + UUID.randomUUID(),
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest",
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false"),
                new StringDeserializer(), new StringDeserializer());
        this.thread = new Thread(this::run, "control-feed-" + instance);
        this.thread.setDaemon(true);
    }

    void start() {
        thread.start();
    }

    private void run() {
        try {
            consumer.subscribe(List.of(topics.control(), topics.modelUpdates()));
            while (!stop) {
                for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(200))) {
                    if (r.topic().equals(topics.modelUpdates())) {
                        control.onModelUpdate(r.topic(), r.partition(), r.offset(), r.key(), r.value());
                    } else {
                        control.onControl(r.topic(), r.partition(), r.offset(), r.key(), r.value());
                    }
                }
            }
        } catch (WakeupException e) {
            // closing
        } finally {
            consumer.close(Duration.ofSeconds(2));
        }
    }

    @Override
    public void close() {
        stop = true;
        consumer.wakeup();
        try {
            thread.join(5000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
