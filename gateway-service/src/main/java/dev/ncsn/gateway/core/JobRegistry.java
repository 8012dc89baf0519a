package dev.ncsn.gateway.core;

import dev.ncsn.model.contract.JobEvent;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Every job this replica knows about, built from the request topics and the frames topic (see {@link dev.ncsn.gateway.kafka.EventFeed})
 * plus the jobs submitted through this replica. Bounded: per-job frame buffers, a byte budget over all jobs, a
 * cap on the number of jobs, and retention times.
 */
public final class JobRegistry {

    /**
     * A request as read from a request topic or as just published by this replica; {@code owner} is the name of the
     * key that submitted it, known only to the replica it was submitted through (null otherwise).
     */
    public record RequestInfo(String jobId, String kind, String model, Integer count, Integer stepsPerLevel,
                       Instant submittedAt, String topic, int partition, long offset, String owner) {

        public RequestInfo(String jobId, String kind, String model, Integer count, Integer stepsPerLevel,
                           Instant submittedAt, String topic, int partition, long offset) {
            this(jobId, kind, model, count, stepsPerLevel, submittedAt, topic, partition, offset, null);
        }
    }

    public record Limits(int framesPerJob, int maxJobs, long maxBytes, Duration retention, Duration idleRetention) {
    }

    /** Told when a job shows its first frame and when it ends (for metrics); called on the feed's thread. */
    public interface Observer {
        void firstFrame(Job.Snapshot job, Instant at);

        void ended(Job.Snapshot job, Instant at);
    }

    private final Map<String, Job> jobs = new ConcurrentHashMap<>();
    private volatile Observer observer;
    private final AtomicLong bytes = new AtomicLong();
    private final Limits limits;
    private final Clock clock;

    public JobRegistry(Limits limits, Clock clock) {
        this.limits = limits;
        this.clock = clock;
    }

    public void observe(Observer o) {
        this.observer = o;
    }

    public Optional<Job> get(String id) {
        return Optional.ofNullable(jobs.get(id));
    }

    public int size() {
        return jobs.size();
    }

    public long bytes() {
        return bytes.get();
    }

    public Job onRequest(RequestInfo r) {
        Job job = jobs.computeIfAbsent(r.jobId(), id -> new Job(id, clock.instant()));
        job.onRequest(r);
        if (jobs.size() > limits.maxJobs()) {
            sweep();
        }
        return job;
    }

    /** Applies an event from the frames topic (duplicates are dropped by the job). */
    public void onEvent(JobEvent event) {
        if (event.jobId() == null) {
            return;
        }
        Job job = jobs.computeIfAbsent(event.jobId(), id -> new Job(id, clock.instant()));
        JobStatus before = job.status();
        Instant now = clock.instant();
        long delta = job.onEvent(event, EventData.of(event), limits.framesPerJob(), now);
        Observer o = observer;
        if (o != null && before != job.status()) {
            Job.Snapshot s = job.snapshot();
            if (before == JobStatus.QUEUED && s.status() == JobStatus.RUNNING) {
                o.firstFrame(s, now);
            } else if (!before.terminal() && s.status().terminal()) {
                o.ended(s, now);
            }
        }
        if (bytes.addAndGet(delta) > limits.maxBytes()) {
            shed(job);
        }
        if (jobs.size() > limits.maxJobs()) {
            sweep();
        }
    }

    /** Jobs, most recently submitted (or first seen) first. */
    public List<Job.Snapshot> recent(int limit) {
        return jobs.values().stream().map(Job::snapshot)
                .sorted(Comparator.comparing((Job.Snapshot s) -> s.submittedAt() != null ? s.submittedAt() : s.updatedAt())
                        .reversed())
                .limit(limit).toList();
    }

    /**
     * Jobs on the same request partition at offsets in [from, to) that a worker has started (or finished): the
     * part of the partition's uncommitted records that is not waiting any more.
     */
    public long startedBetween(String topic, int partition, long from, long to) {
        long n = 0;
        for (Job j : jobs.values()) {
            if (j.onPartition(topic, partition)) {
                long o = j.requestOffset();
                if (o >= from && o < to && j.started()) {
                    n++;
                }
            }
        }
        return n;
    }

    /** Jobs of this owner that are queued or running. */
    public int activeOwnedBy(String owner) {
        int n = 0;
        for (Job j : jobs.values()) {
            if (owner.equals(j.owner()) && !j.status().terminal()) {
                n++;
            }
        }
        return n;
    }

    public int listeners() {
        return jobs.values().stream().mapToInt(Job::listenerCount).sum();
    }

    /**
     * Forgets finished jobs past their retention and idle jobs past the idle retention, then the oldest finished
     * jobs while there are more than the cap.
     */
    public synchronized void sweep() {
        Instant now = clock.instant();
        for (Job j : new ArrayList<>(jobs.values())) {
            Duration age = Duration.between(j.updatedAt(), now);
            boolean terminal = j.status().terminal();
            if ((terminal && age.compareTo(limits.retention()) > 0)
                    || (!terminal && age.compareTo(limits.idleRetention()) > 0)) {
                forget(j);
            }
        }
        if (jobs.size() > limits.maxJobs()) {
            List<Job> finished = jobs.values().stream().filter(j -> j.status().terminal())
                    .sorted(Comparator.comparing(Job::updatedAt)).toList();
            for (Job j : finished) {
                if (jobs.size() <= limits.maxJobs()) {
                    break;
                }
                forget(j);
            }
        }
    }

    private void forget(Job j) {
        if (jobs.remove(j.id(), j)) {
            bytes.addAndGet(-j.bytes());
        }
    }

    /**
     * Over the byte budget: thins the least recently updated jobs to the last frame of each level, then drops
     * their frames altogether, until the budget holds. The job being written to now goes last.
     */
    private synchronized void shed(Job current) {
        if (bytes.get() <= limits.maxBytes()) {
            return;
        }
        List<Job> order = new ArrayList<>(jobs.values().stream().filter(j -> j != current && j.hasFrames())
                .sorted(Comparator.comparing(Job::updatedAt)).toList());
        order.add(current);
        for (Job j : order) {
            bytes.addAndGet(j.thin());
            if (bytes.get() <= limits.maxBytes()) {
                return;
            }
        }
        for (Job j : order) {
            bytes.addAndGet(j.dropFrames());
            if (bytes.get() <= limits.maxBytes()) {
                return;
            }
        }
    }
}
