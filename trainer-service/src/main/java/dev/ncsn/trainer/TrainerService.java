package dev.ncsn.trainer;

import dev.ncsn.common.config.S3Config;
import dev.ncsn.common.kafka.TopicCreator;
import dev.ncsn.model.store.Bucket;
import dev.ncsn.model.store.ModelStore;
import dev.ncsn.model.store.S3Endpoint;
import dev.ncsn.trainer.config.TrainerConfig;
import dev.ncsn.trainer.core.TrainerNode;
import dev.ncsn.trainer.kafka.KafkaModelUpdates;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

/**
 * The Quarkus shell around one {@link TrainerNode}: builds it from configuration at start-up, creates the
 * model-updates topic when missing, resumes interrupted runs (retrying in the background while the store is
 * unreachable), and stops every run gracefully at shutdown (INTERRUPTED, resumed at the next start).
 */
@ApplicationScoped
public class TrainerService {

    private static final Logger LOG = Logger.getLogger(TrainerService.class);

    @Inject
    TrainerConfig config;

    @Inject
    S3Config s3;

    @ConfigProperty(name = "kafka.bootstrap.servers")
    String bootstrapServers;

    @Inject
    KafkaModelUpdates updates;

    @Inject
    MeterRegistry registry;

    private volatile TrainerNode node;
    private volatile Bucket bucket;
    private volatile Thread resumer;

    void onStart(@Observes StartupEvent event) {
        String topic = config.topics().modelUpdates();
        if (config.topics().create()) {
            try {
                TopicCreator.createMissing(bootstrapServers, KafkaModelUpdates.topicPlan(topic),
                        config.topics().replicationFactor());
            } catch (RuntimeException e) {
                LOG.warnf("could not create topic %s (it may be created elsewhere): %s", topic, e.getMessage());
            }
        }
        S3Endpoint endpoint = s3.toEndpoint();
        ModelStore store = endpoint.openModelStore();
        bucket = endpoint.openBucket();
        node = new TrainerNode(config.toSettings(), store, bucket, updates, registry);
        if (config.resumeOnStart()) {
            resumer = new Thread(() -> resumeInterrupted(store), "resume-runs");
            resumer.setDaemon(true);
            resumer.start();
        }
    }

    private void resumeInterrupted(ModelStore store) {
        long wait = 1_000;
        while (!Thread.currentThread().isInterrupted()) {
            try {
                store.ensureBucket();
                node.resumeInterrupted();
                return;
            } catch (RuntimeException e) {
                LOG.warnf("cannot look for interrupted runs yet (retrying in %d s): %s", wait / 1000, e.getMessage());
                try {
                    Thread.sleep(wait);
                } catch (InterruptedException ie) {
                    return;
                }
                wait = Math.min(60_000, wait * 2);
            }
        }
    }

    void onStop(@Observes ShutdownEvent event) {
        Thread r = resumer;
        if (r != null) {
            r.interrupt();
        }
        TrainerNode n = node;
        if (n != null) {
            n.close(config.shutdownGrace());
        }
    }

    /** The node; null only before start-up. */
    public TrainerNode node() {
        TrainerNode n = node;
        if (n == null) {
            throw new IllegalStateException("the trainer has not started");
        }
        return n;
    }

    public Bucket bucket() {
        return bucket;
    }

    public String bootstrapServers() {
        return bootstrapServers;
    }
}
