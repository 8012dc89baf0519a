package dev.ncsn.sampler.kafka;

import java.util.TreeSet;

/**
 * Which offset of one request partition may be committed: every record before it has reached a terminal event
 * (or was refused with a stored failed event and dead letter). Jobs finish in any order, so the committable
 * offset is the smallest offset still in flight, or one past the last record read when none is. Consumer thread
 * only.
 */
final class PartitionProgress {

    private final TreeSet<Long> inFlight = new TreeSet<>();
    private long nextToRead = -1;
    private long committed = -1;

    /** A record was read and its job (or its refusal) is under way. */
    void started(long offset) {
        inFlight.add(offset);
        nextToRead = Math.max(nextToRead, offset + 1);
    }

    /** The record's job has a stored terminal event. */
    void finished(long offset) {
        inFlight.remove(offset);
    }

    /** The offset to commit now, or -1 when nothing new may be committed. */
    long committable() {
        if (nextToRead < 0) {
            return -1;
        }
        long offset = inFlight.isEmpty() ? nextToRead : inFlight.first();
        return offset > committed ? offset : -1;
    }

    void committed(long offset) {
        committed = Math.max(committed, offset);
    }

    int inFlight() {
        return inFlight.size();
    }
}
