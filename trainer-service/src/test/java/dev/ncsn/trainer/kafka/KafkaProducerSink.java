package dev.ncsn.trainer.kafka;

import dev.ncsn.model.contract.Contracts;
import dev.ncsn.model.contract.ModelUpdate;
import dev.ncsn.trainer.core.TrainerNode;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;

import java.util.Map;
import java.util.concurrent.TimeUnit;

/** Model-update events through a plain producer, for tests that run a TrainerNode without Quarkus. */
public final class KafkaProducerSink implements ModelUpdateSink, AutoCloseable {

    private final KafkaProducer<String, String> producer;
    private final String topic;

    public KafkaProducerSink(String bootstrapServers, String topic) {
        this.topic = topic;
        producer = new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers,
                ProducerConfig.ACKS_CONFIG, "all",
                ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true"),
                new StringSerializer(), new StringSerializer());
    }

    @Override
    public void publish(ModelUpdate update) throws Exception {
        producer.send(new ProducerRecord<>(topic, update.model(), Contracts.encode(update))).get(30, TimeUnit.SECONDS);
    }

    @Override
    public void close() {
        producer.close();
    }
}
