package dev.ncsn.sampler.core;

import dev.ncsn.sampler.metrics.SamplerMetrics;
import org.jboss.logging.Logger;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;

/**
 * Writes job snapshots on its own thread, so the sampling thread only copies a job's arrays
 * ({@link dev.ncsn.model.sampling.LangevinChain#checkpoint()}) and never waits for the store.
 *
 * <p>Per job only the newest snapshot matters: one that is still waiting when a newer one comes is dropped. Writes
 * and removals run in the order they were asked for, so a job's removal (its job ended) is never overtaken by an
 * older write. A write that fails is retried a few times unless a newer snapshot of the job is waiting; if it
 * still fails the job keeps running, and the previous snapshot (or none) is what a resume would find.
 */
public final class SnapshotWriter implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(SnapshotWriter.class);
    private static final int ATTEMPTS = 3;

    private final SnapshotStore store;
    private final SamplerMetrics metrics;
    private final ExecutorService thread;
    private final Map<String, JobSnapshot> pending = new ConcurrentHashMap<>();

    public SnapshotWriter(SnapshotStore store, SamplerMetrics metrics, String threadName) {
        this.store = store;
        this.metrics = metrics;
        this.thread = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, threadName);
            t.setDaemon(true);
            return t;
        });
    }

    public SnapshotStore store() {
        return store;
    }

    /** Queues a snapshot, replacing one of the same job that is not written yet. */
    public void submit(JobSnapshot snapshot) {
        if (pending.put(snapshot.jobId(), snapshot) == null) {
            execute(() -> writePending(snapshot.jobId()));
        }
    }

    /** Removes the job's snapshot after any write of it already under way. */
    public void remove(String jobId) {
        pending.remove(jobId);
        execute(() -> {
            try {
                store.remove(jobId);
            } catch (RuntimeException e) {
                // A leftover snapshot is harmless: it is only read for a request that is still uncommitted.
                LOG.warnf("could not remove the snapshot of job %s: %s", jobId, e.getMessage());
            }
        });
    }

    /** Waits until everything asked for so far is written (or has failed); returns whether that happened in time. */
    public boolean flush(Duration timeout) {
        CompletableFuture<Void> done = new CompletableFuture<>();
        if (!execute(() -> done.complete(null))) {
            return false;
        }
        try {
            done.get(Math.max(1, timeout.toMillis()), TimeUnit.MILLISECONDS);
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        } catch (Exception e) {
            return false;
        }
    }

    private boolean execute(Runnable task) {
        try {
            thread.execute(task);
            return true;
        } catch (RejectedExecutionException e) {
            return false;
        }
    }

    private void writePending(String jobId) {
        JobSnapshot snapshot = pending.remove(jobId);
        for (int attempt = 1; snapshot != null; attempt++) {
            long start = System.nanoTime();
            try {
                long bytes = store.write(snapshot);
                metrics.snapshotWritten(bytes, System.nanoTime() - start);
                return;
            } catch (RuntimeException e) {
                metrics.snapshotFailed();
                if (attempt >= ATTEMPTS || pending.containsKey(jobId)) {
                    LOG.warnf("could not write the snapshot of job %s at step %d (%s); %s", jobId,
                            snapshot.chain().completedEvaluations(), e.getMessage(),
                            pending.containsKey(jobId) ? "a newer one follows" : "the previous one stays");
                    return;
                }
                try {
                    Thread.sleep(200L * attempt);
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
        }
    }

    @Override
    public void close() {
        thread.shutdown();
        try {
            if (!thread.awaitTermination(10, TimeUnit.SECONDS)) {
                thread.shutdownNow();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Ends the thread at once, writing nothing more (a simulated crash). */
    public void crash() {
        pending.clear();
        thread.shutdownNow();
    }
}
