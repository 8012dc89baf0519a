package dev.ncsn.sampler.core;

import java.util.Optional;

/** Where job snapshots live, one per job id: the latest replaces the one before. */
public interface SnapshotStore {

    /** Stores the snapshot, replacing the job's previous one; returns the bytes written. */
    long write(JobSnapshot snapshot);

    /** The job's latest snapshot, or empty when there is none (or it cannot be read: it is then ignored). */
    Optional<JobSnapshot> read(String jobId);

    /** Removes the job's snapshot (its job has ended); a missing one is fine. */
    void remove(String jobId);
}
