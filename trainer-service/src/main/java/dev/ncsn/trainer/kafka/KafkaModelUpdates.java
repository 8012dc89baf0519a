package dev.ncsn.trainer.kafka;

import dev.ncsn.model.contract.Contracts;
import dev.ncsn.model.contract.ModelUpdate;
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

    @Override
    public void publish(ModelUpdate update) throws Exception {
        emitter.send(Record.of(update.model(), Contracts.encode(update))).toCompletableFuture()
                .get(30, TimeUnit.SECONDS);
    }
}
