package dev.ncsn.trainer.kafka;

import dev.ncsn.model.contract.Contracts;
import dev.ncsn.model.contract.ModelUpdate;
import dev.ncsn.model.contract.TopicPlan;
import io.smallrye.reactive.messaging.kafka.Record;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.eclipse.microprofile.reactive.messaging.Channel;
import org.eclipse.microprofile.reactive.messaging.Emitter;

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
        TopicPlan.TopicNames d = TopicPlan.TopicNames.defaults();
        TopicPlan.TopicNames names = new TopicPlan.TopicNames(d.generationRequests(), d.inpaintingRequests(),
                d.frames(), modelUpdatesTopic, d.control(), d.deadLetter());
        return TopicPlan.standard(names, TopicPlan.DEFAULT_REQUEST_PARTITIONS, TopicPlan.DEFAULT_CONTROL_RETENTION)
                .only(modelUpdatesTopic);
    }

    @Override
    public void publish(ModelUpdate update) throws Exception {
        emitter.send(Record.of(update.model(), Contracts.encode(update))).toCompletableFuture()
                .get(30, TimeUnit.SECONDS);
    }
}
