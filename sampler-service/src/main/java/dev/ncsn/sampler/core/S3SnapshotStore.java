package dev.ncsn.sampler.core;

import dev.ncsn.model.store.ModelStore;
import org.jboss.logging.Logger;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.Optional;

/**
 * Snapshots as objects of the model store's bucket, {@code snapshots/JOB_ID.snap} ({@link JobSnapshotCodec}), one
 * per running job, overwritten at every snapshot and deleted when the job ends. A worker that re-reads a request
 * asks for its job's object by key: no scan, whatever the number of jobs or the size of their images.
 */
public final class S3SnapshotStore implements SnapshotStore {

    private static final Logger LOG = Logger.getLogger(S3SnapshotStore.class);
    public static final String PREFIX = "snapshots/";

    private final ModelStore store;

    public S3SnapshotStore(ModelStore store) {
        this.store = store;
    }

    /** The object key of a job's snapshot (the id URL-encoded: job ids are free text in the contract). */
    public static String key(String jobId) {
        return PREFIX + URLEncoder.encode(jobId, StandardCharsets.UTF_8) + ".snap";
    }

    @Override
    public long write(JobSnapshot snapshot) {
        byte[] bytes = JobSnapshotCodec.encode(snapshot);
        store.put(key(snapshot.jobId()), bytes, "application/octet-stream");
        return bytes.length;
    }

    @Override
    public Optional<JobSnapshot> read(String jobId) {
        Optional<byte[]> bytes = store.get(key(jobId));
        if (bytes.isEmpty()) {
            return Optional.empty();
        }
        try {
            return Optional.of(JobSnapshotCodec.decode(bytes.get()));
        } catch (IllegalArgumentException e) {
            LOG.warnf("ignoring the snapshot of job %s: %s", jobId, e.getMessage());
            return Optional.empty();
        }
    }

    @Override
    public void remove(String jobId) {
        store.remove(key(jobId));
    }
}
