package dev.ncsn.trainer.kafka;

import dev.ncsn.model.contract.Contracts;
import dev.ncsn.model.contract.ModelUpdate;
import dev.ncsn.model.contract.TopicPlan;
import dev.ncsn.model.contract.Topics;
import io.smallrye.reactive.messaging.kafka.Record;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.eclipse.microprofile.reactive.messaging.Channel;
import org.eclipse.microprofile.reactive.messaging.Emitter;

import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Model-update events through the SmallRye channel {@code model-updates} (bound to the compacted topic in
 * application.properties: acks=all, idempotent). A send returns once Kafka has acknowledged it.
 */
@ApplicationScoped
public class KafkaModelUpdates implements ModelUpdateSink {

    @Inject
    @Channel("model-updates")
    Emitter<Record<String, String>> emitter;

    /**
     * The plan of the one topic the trainer writes, under its configured name: the standard plan's model-updates
     * topic (compacted, one partition).
     */
    public static TopicPlan topicPlan(String modelUpdatesTopic) {
        TopicPlan.Topic standard = TopicPlan.standard().topic(Topics.MODEL_UPDATES);
        return new TopicPlan(List.of(new TopicPlan.Topic(modelUpdatesTopic, standard.partitions(),
                standard.configs())));
    }

    @Override
    public void publish(ModelUpdate update) throws Exception {
        emitter.send(Record.of(update.model(), Contracts.encode(update))).toCompletableFuture()
                .get(30, TimeUnit.SECONDS);
    }
}
