package dev.ncsn.sampler.kafka;

import dev.ncsn.sampler.SamplerService;
import dev.ncsn.sampler.core.SamplerNode;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.eclipse.microprofile.reactive.messaging.Incoming;

/**
 * The topics every worker must read in full, as SmallRye channels: {@code control} (cancels) and
 * {@code model-updates}. Each worker has its own consumer group ({@code ...-${quarkus.uuid}}) reading from the
 * earliest retained record: a compacted model-updates topic then gives the latest update per model, and the
 * control topic's short retention gives the cancels of the last hour. Handling is quick and never blocks (a
 * reload runs on the reloader's own thread), so SmallRye's acknowledgement and health rules fit here, unlike
 * for the minutes-long jobs of the request topics.
 */
@ApplicationScoped
public class ControlChannels {

    @Inject
    SamplerService service;

    @Incoming("control")
    public void onControl(ConsumerRecord<String, String> record) {
        control().onControl(record.topic(), record.partition(), record.offset(), record.key(), record.value());
    }

    @Incoming("model-updates")
    public void onModelUpdate(ConsumerRecord<String, String> record) {
        control().onModelUpdate(record.topic(), record.partition(), record.offset(), record.key(), record.value());
    }

    private ControlMessages control() {
        SamplerNode node = service.node();
        if (node == null) {
            throw new IllegalStateException("the sampler node has not started");
        }
        return node.control();
    }
}
