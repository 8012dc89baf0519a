package dev.ncsn.trainer.store;

import dev.ncsn.model.checkpoint.CheckpointManifest;
import dev.ncsn.model.store.LivePointer;
import dev.ncsn.model.store.ModelStore;
import org.jboss.logging.Logger;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Which old versions of a model to delete: all but the newest {@code keepLast} (by version id, which is
 * publication order), never the live one. {@code keepLast} 0 keeps everything, the default: every candidate is
 * kept with its score. Deleted versions' scores remain in their runs' records ({@code runs/RUN/run.json}).
 */
public record RetentionPolicy(int keepLast) {

    private static final Logger LOG = Logger.getLogger(RetentionPolicy.class);

    public RetentionPolicy {
        if (keepLast < 0) {
            throw new IllegalArgumentException("keepLast must be 0 (keep all) or positive, got " + keepLast);
        }
    }

    public static RetentionPolicy keepAll() {
        return new RetentionPolicy(0);
    }

    /** The versions this policy would delete, oldest first. */
    public List<String> expired(List<CheckpointManifest> versions, Optional<LivePointer> live) {
        List<String> out = new ArrayList<>();
        if (keepLast == 0 || versions.size() <= keepLast) {
            return out;
        }
        String liveVersion = live.map(LivePointer::version).orElse(null);
        for (CheckpointManifest m : versions.subList(0, versions.size() - keepLast)) {
            if (!m.versionId().equals(liveVersion)) {
                out.add(m.versionId());
            }
        }
        return out;
    }

    /** Deletes the expired versions of a model; returns their ids. */
    public List<String> apply(ModelStore store, String model) {
        if (keepLast == 0) {
            return List.of();
        }
        List<String> expired = expired(store.versions(model), store.live(model));
        List<String> deleted = new ArrayList<>();
        for (String version : expired) {
            try {
                store.deleteVersion(model, version);
                deleted.add(version);
            } catch (IllegalStateException e) {
                // it became live meanwhile
                LOG.debugf("kept %s/%s: %s", model, version, e.getMessage());
            }
        }
        if (!deleted.isEmpty()) {
            LOG.infof("retention (keep the last %d): deleted %d version(s) of %s: %s", keepLast, deleted.size(),
                    model, deleted);
        }
        return deleted;
    }
}
