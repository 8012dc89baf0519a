package dev.ncsn.trainer;

import dev.ncsn.trainer.config.GateSettings;
import dev.ncsn.trainer.config.RunDefaults;
import dev.ncsn.trainer.config.S3Config;
import dev.ncsn.trainer.config.TrainerConfig;
import dev.ncsn.trainer.config.TrainerSettings;
import dev.ncsn.trainer.core.PromotionGate;
import dev.ncsn.trainer.core.TrainerNode;
import dev.ncsn.trainer.kafka.KafkaModelUpdates;
import dev.ncsn.trainer.kafka.TopicSetup;

import dev.ncsn.model.store.Bucket;
import dev.ncsn.model.store.ModelStore;
import io.micrometer.core.instrument.MeterRegistry;
import io.minio.MinioClient;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

import java.nio.file.Path;

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
        if (config.topics().create()) {
            try {
                if (TopicSetup.createModelUpdates(bootstrapServers, config.topics().modelUpdates(),
                        config.topics().replicationFactor())) {
                    LOG.infof("created topic %s (compacted)", config.topics().modelUpdates());
                }
            } catch (Exception e) {
                LOG.warnf("could not create topic %s (it may be created elsewhere): %s",
                        config.topics().modelUpdates(), e.getMessage());
            }
        }
        MinioClient client = MinioClient.builder().endpoint(s3.endpoint()).credentials(s3.accessKey(), s3.secretKey())
                .region(s3.region()).build();
        ModelStore store = new ModelStore(client, s3.bucket());
        bucket = new Bucket(client, s3.bucket());
        node = new TrainerNode(settings(), store, bucket, updates, registry);
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

    TrainerSettings settings() {
        TrainerConfig.Gate g = config.gate();
        TrainerConfig.Defaults d = config.defaults();
        return new TrainerSettings(Path.of(config.workDir()), config.maxConcurrentRuns(), config.resumeOnStart(),
                config.stateKeep(), config.dataPollInterval(), config.logEvery(),
                new GateSettings(g.tolerance(), g.heldOutSize(), g.seed(), g.batchSize()),
                config.retention().keepLast(),
                new RunDefaults(d.preset(), d.batchSize(), d.steps(), d.checkpointEvery(), d.previewCount(),
                        d.previewStepsPerLevel()), config.eventSendAttempts());
    }
}
