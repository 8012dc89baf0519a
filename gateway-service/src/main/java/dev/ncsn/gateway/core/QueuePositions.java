package dev.ncsn.gateway.core;

import dev.ncsn.gateway.kafka.Backlog;

/**
 * A queued job's place in the queue: 1 + the requests ahead of it on its request partition that no worker has
 * started. Those are the records between the sampler group's committed offset and the job's offset, less the ones
 * this replica has seen start or end (the group commits a record only once all before it have ended). Without a
 * measurement, only the queued requests this replica knows about are counted.
 */
public final class QueuePositions {

    private final Backlog backlog;
    private final JobRegistry registry;

    public QueuePositions(Backlog backlog, JobRegistry registry) {
        this.backlog = backlog;
        this.registry = registry;
    }

    /** The position while queued, null otherwise (or when the job's request offset is not known). */
    public Long of(Job.Snapshot s) {
        if (s.status() != JobStatus.QUEUED || s.requestOffset() < 0) {
            return null;
        }
        Backlog.Snapshot b = backlog.current();
        Long committed = b.known() ? b.committed(s.requestTopic(), s.requestPartition()) : null;
        long waiting;
        if (committed == null) {
            waiting = 0;
            for (Job.Snapshot other : registry.recent(Integer.MAX_VALUE)) {
                if (other.status() == JobStatus.QUEUED && s.requestTopic().equals(other.requestTopic())
                        && other.requestPartition() == s.requestPartition() && other.requestOffset() >= 0
                        && other.requestOffset() < s.requestOffset()) {
                    waiting++;
                }
            }
        } else {
            long from = Math.min(committed, s.requestOffset());
            waiting = (s.requestOffset() - from)
                    - registry.startedBetween(s.requestTopic(), s.requestPartition(), from, s.requestOffset());
        }
        return Math.max(0, waiting) + 1;
    }
}
