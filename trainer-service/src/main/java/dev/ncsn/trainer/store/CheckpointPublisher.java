package dev.ncsn.trainer.store;

import ai.djl.ndarray.NDArray;
import dev.ncsn.model.checkpoint.CheckpointManifest;
import dev.ncsn.model.contract.ModelUpdate;
import dev.ncsn.model.store.LivePointer;
import dev.ncsn.model.store.ModelStore;
import dev.ncsn.trainer.kafka.ModelUpdateSink;
import org.jboss.logging.Logger;

import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * Publishes a checkpoint in the one order that keeps readers safe:
 * <ol>
 *   <li>the version's files under its immutable prefix {@code models/NAME/versions/V/}: parameters.bin, the extras
 *       (samples.png, loss.png, evaluation.json), manifest.json last ({@link ModelStore#putVersion});</li>
 *   <li>if the gate promoted it, the pointer {@code models/NAME/live.json};</li>
 *   <li>then the model-update event on Kafka.</li>
 * </ol>
 * A reader that sees the pointer finds a complete version; a sampler that gets the event finds the pointer. If
 * the event cannot be sent after retries, the version stays live (the pointer is the truth and samplers
 * re-read it periodically) and the failure is reported in the result. Publishing the same version again (after a
 * crash between steps) finds its manifest and does not write it twice. Retention runs last.
 */
public final class CheckpointPublisher {

    private static final Logger LOG = Logger.getLogger(CheckpointPublisher.class);

    private final ModelStore store;
    private final ModelUpdateSink updates;
    private final RetentionPolicy retention;
    private final int sendAttempts;

    public CheckpointPublisher(ModelStore store, ModelUpdateSink updates, RetentionPolicy retention, int sendAttempts) {
        this.store = store;
        this.updates = updates;
        this.retention = retention;
        this.sendAttempts = Math.max(1, sendAttempts);
    }

    /**
     * @param manifest the published manifest (sealed), whether the version became live, whether its event was
     *                 sent (only when promoted), and what retention deleted
     */
    public record Published(CheckpointManifest manifest, boolean promoted, boolean eventSent, String eventError,
                            List<String> deleted) {
    }

    /**
     * @param unsealed   the manifest to write (model, version id, step, metrics, parent)
     * @param parameters the published (EMA) weights
     * @param extras     further files of the version
     * @param promote    whether to make it live
     */
    public Published publish(CheckpointManifest unsealed, Map<String, NDArray> parameters, Map<String, byte[]> extras,
                             boolean promote) {
        String model = unsealed.modelName();
        String version = unsealed.versionId();
        CheckpointManifest sealed = store.manifest(model, version).orElse(null);
        if (sealed == null) {
            sealed = store.putVersion(unsealed, parameters, extras);
        } else {
            LOG.infof("%s/%s was already written (a publication interrupted earlier); not writing it again", model,
                    version);
        }
        boolean sent = false;
        String eventError = null;
        if (promote) {
            String prefix = ModelStore.versionPrefix(model, version);
            Instant now = Instant.now();
            store.setLive(new LivePointer(model, version, prefix, sealed.trainingStep(), sealed.metrics(), now));
            ModelUpdate update = new ModelUpdate(model, version, prefix, sealed.trainingStep(), sealed.metrics(), now);
            for (int attempt = 1; attempt <= sendAttempts && !sent; attempt++) {
                try {
                    updates.publish(update);
                    sent = true;
                } catch (Exception e) {
                    eventError = e.toString();
                    LOG.warnf("model-update event for %s/%s not sent (attempt %d of %d): %s", model, version,
                            attempt, sendAttempts, e);
                    if (attempt < sendAttempts) {
                        sleep(500L * attempt);
                    }
                }
            }
            if (!sent) {
                LOG.errorf("%s/%s is live but its model-update event could not be sent; samplers will pick it up "
                        + "from the pointer at their next reconcile", model, version);
            } else {
                eventError = null;
            }
        }
        List<String> deleted;
        try {
            deleted = retention.apply(store, model);
        } catch (RuntimeException e) {
            LOG.warnf("retention of %s failed (will be retried at the next checkpoint): %s", model, e.getMessage());
            deleted = List.of();
        }
        return new Published(sealed, promote, sent, eventError, deleted);
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
