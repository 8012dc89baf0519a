package dev.ncsn.sampler.core;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Job ids cancelled lately, so that a request arriving after its cancel (the gateway may cancel a job a worker has
 * not picked up yet, or one that is re-run after its worker died) ends as {@code cancelled} at once. Bounded: the
 * oldest ids are forgotten first. Thread-safe.
 */
public final class RecentCancels {

    private final Map<String, Boolean> ids;

    public RecentCancels(int capacity) {
        this.ids = new LinkedHashMap<>(16, 0.75f, false) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, Boolean> eldest) {
                return size() > capacity;
            }
        };
    }

    public synchronized void add(String jobId) {
        ids.put(jobId, Boolean.TRUE);
    }

    public synchronized boolean contains(String jobId) {
        return ids.containsKey(jobId);
    }

    public synchronized int size() {
        return ids.size();
    }
}
