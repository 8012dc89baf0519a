package dev.ncsn.gateway.core;

import dev.ncsn.model.contract.JobEvent;

import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Set;

/**
 * What one replica knows about one job: where its request is on the request topic, its progress and status
 * derived from its events, a bounded buffer of its event stream for late and resuming subscribers, its result,
 * and the subscribers listening now. Every method is synchronized on the job; listeners are called under that
 * lock, in sequence order, and must not block.
 */
public final class Job {

    /** Receives a job's stream events; returns false when it is gone and should be dropped. */
    public interface Listener {
        boolean offer(StreamEvent event);
    }

    /** An immutable view for the API. */
    public record Snapshot(String id, String kind, String model, Integer count, Integer stepsPerLevel, JobStatus status,
                    Integer level, Integer levels, Integer step, Double sigma, Integer completedSteps,
                    Integer totalSteps, String modelVersion, String reason, boolean cancelRequested,
                    Instant submittedAt, Instant updatedAt, String requestTopic, int requestPartition,
                    long requestOffset, long lastSequence, int bufferedFrames, String worker, Instant startedAt,
                    Instant progressAt, String restartReason) {

        /**
         * Langevin steps per second of this job, measured on the worker's clock from {@code started} to the latest
         * frame; null before two such points exist.
         */
        public Double stepsPerSecond() {
            if (startedAt == null || progressAt == null || completedSteps == null || completedSteps <= 0) {
                return null;
            }
            double seconds = (progressAt.toEpochMilli() - startedAt.toEpochMilli()) / 1000.0;
            return seconds > 0 ? completedSteps / seconds : null;
        }

        /** When the job should end at the measured rate (worker's clock), or null while unknown or ended. */
        public Instant estimatedDoneAt() {
            Double rate = stepsPerSecond();
            if (rate == null || totalSteps == null || status != JobStatus.RUNNING) {
                return null;
            }
            long remainingMillis = Math.round(Math.max(0, totalSteps - completedSteps) / rate * 1000.0);
            return progressAt.plusMillis(remainingMillis);
        }
    }

    private final String id;
    private String kind;
    private String model;
    private Integer count;
    private Integer stepsPerLevel;
    private Instant submittedAt;
    private String owner;
    private String requestTopic;
    private int requestPartition = -1;
    private long requestOffset = -1;

    private JobStatus status = JobStatus.QUEUED;
    private Integer level;
    private Integer levels;
    private Integer step;
    private Double sigma;
    private Integer completedSteps;
    private Integer totalSteps;
    private String modelVersion;
    private String reason;
    private boolean cancelRequested;
    private long lastSequence = -1;
    private Instant updatedAt;
    private String worker;
    /** The worker's timestamps of {@code started} and of the latest frame, for the measured rate. */
    private Instant startedAt;
    private Instant progressAt;
    private StreamEvent startedEvent;
    /** The latest {@code restarted} event (the job went back to step 0 on another version), and why. */
    private StreamEvent restartedEvent;
    private String restartReason;

    private final ArrayDeque<StreamEvent> frames = new ArrayDeque<>();
    private StreamEvent terminal;
    private byte[] resultPng;
    private List<byte[]> samplePngs = List.of();
    private long bytes;
    private final List<Listener> listeners = new ArrayList<>();

    public Job(String id, Instant now) {
        this.id = id;
        this.updatedAt = now;
    }

    public String id() {
        return id;
    }

    public synchronized Snapshot snapshot() {
        return new Snapshot(id, kind, model, count, stepsPerLevel, status, level, levels, step, sigma, completedSteps,
                totalSteps, modelVersion, reason, cancelRequested, submittedAt, updatedAt, requestTopic,
                requestPartition, requestOffset, lastSequence, frames.size(), worker, startedAt, progressAt,
                restartReason);
    }

    public synchronized JobStatus status() {
        return status;
    }

    public synchronized Instant updatedAt() {
        return updatedAt;
    }

    public synchronized long bytes() {
        return bytes;
    }

    public synchronized boolean started() {
        return status != JobStatus.QUEUED;
    }

    public synchronized boolean onPartition(String topic, int partition) {
        return requestPartition == partition && topic.equals(requestTopic);
    }

    /** The name of the key that submitted the job through this replica, or null. */
    public synchronized String owner() {
        return owner;
    }

    public synchronized long requestOffset() {
        return requestOffset;
    }

    /** Fills in what the request says; the first value seen for a field wins, except the request's position. */
    public synchronized void onRequest(JobRegistry.RequestInfo r) {
        kind = kind == null ? r.kind() : kind;
        model = model == null ? r.model() : model;
        count = count == null ? r.count() : count;
        stepsPerLevel = stepsPerLevel == null ? r.stepsPerLevel() : stepsPerLevel;
        submittedAt = submittedAt == null ? r.submittedAt() : submittedAt;
        owner = owner == null ? r.owner() : owner;
        if (r.offset() >= 0) {
            requestTopic = r.topic();
            requestPartition = r.partition();
            requestOffset = r.offset();
        }
    }

    public synchronized void cancelRequested(Instant now) {
        cancelRequested = true;
        updatedAt = now;
    }

    /**
     * Applies an event unless its (jobId, sequence) was seen: a job's events arrive in order on one partition,
     * and a re-run after a worker failure starts again from sequence 0, so "seen" is "not above the highest
     * sequence so far". Nothing is applied after the terminal event. The one exception is a terminal event at or
     * below that sequence (a re-run that was cancelled or failed before it caught up with the first run): the job
     * must end, so it is applied, and numbered after the last event sent ({@code lastSequence + 1}), so that SSE
     * clients and {@code Last-Event-ID} resumption see it too. Returns the change in buffered bytes.
     */
    public synchronized long onEvent(JobEvent event, StreamEvent received, int framesPerJob, Instant now) {
        if (terminal != null) {
            return 0;
        }
        if (event.sequence() <= lastSequence && !event.terminal()) {
            return 0;
        }
        StreamEvent out = event.sequence() > lastSequence ? received
                : new StreamEvent(lastSequence + 1, received.name(), received.level(), received.data());
        lastSequence = out.id();
        updatedAt = now;
        long before = bytes;
        if (event instanceof JobEvent.Started s) {
            status = JobStatus.RUNNING;
            worker = s.worker();
            modelVersion = s.modelVersion();
            levels = s.levels();
            stepsPerLevel = s.stepsPerLevel();
            totalSteps = s.totalSteps();
            completedSteps = 0;
            startedAt = s.at();
            progressAt = s.at();
            startedEvent = out;
            bytes += out.bytes();
        } else if (event instanceof JobEvent.Restarted r) {
            // The job starts again from step 0 on the live version: progress, version and rate start again too.
            status = JobStatus.RUNNING;
            worker = r.worker();
            modelVersion = r.modelVersion();
            completedSteps = 0;
            level = null;
            step = null;
            sigma = null;
            startedAt = r.at();
            progressAt = r.at();
            restartReason = r.reason();
            if (restartedEvent != null) {
                bytes -= restartedEvent.bytes();
            }
            restartedEvent = out;
            bytes += out.bytes();
        } else if (event instanceof JobEvent.Frame f) {
            status = JobStatus.RUNNING;
            progressAt = f.at();
            level = f.level();
            levels = f.levels();
            step = f.step();
            sigma = f.sigma();
            completedSteps = f.completedSteps();
            totalSteps = f.totalSteps();
            stepsPerLevel = f.stepsPerLevel();
            modelVersion = f.modelVersion();
            frames.addLast(out);
            bytes += out.bytes();
            while (frames.size() > framesPerJob) {
                dropOneFrame();
            }
        } else {
            terminal = out;
            bytes += out.bytes();
            if (event instanceof JobEvent.Done d) {
                status = JobStatus.DONE;
                modelVersion = d.modelVersion() != null ? d.modelVersion() : modelVersion;
                completedSteps = totalSteps;
                resultPng = decode(d.image());
                List<byte[]> samples = new ArrayList<>();
                if (d.images() != null) {
                    for (String s : d.images()) {
                        samples.add(decode(s));
                    }
                }
                samplePngs = List.copyOf(samples);
                bytes += (resultPng == null ? 0 : resultPng.length) + samples.stream().mapToLong(b -> b.length).sum();
            } else if (event instanceof JobEvent.Failed x) {
                status = JobStatus.FAILED;
                reason = x.reason();
            } else {
                status = JobStatus.CANCELLED;
            }
        }
        listeners.removeIf(l -> !l.offer(out));
        if (terminal != null) {
            listeners.clear();
        }
        return bytes - before;
    }

    /**
     * Registers a listener after handing it, in order, the buffered events above {@code afterSequence}. Live events
     * at or below {@code afterSequence} are not passed on either: a client resuming on a replica that is behind the
     * one it came from has them already. A job that has ended gets no listener: the terminal event, if the caller
     * did not have it, was the last one offered. Returns false when the listener was not registered.
     */
    public synchronized boolean subscribe(long afterSequence, Listener listener) {
        for (StreamEvent e : buffered()) {
            if (e.id() > afterSequence && !listener.offer(e)) {
                return false;
            }
        }
        if (terminal != null) {
            if (terminal.id() > afterSequence) {
                listener.offer(terminal);
            }
            return false;
        }
        listeners.add(new After(afterSequence, listener));
        return true;
    }

    /** The buffered events in sequence order: {@code started}, the frames, and a {@code restarted} where it came. */
    private List<StreamEvent> buffered() {
        List<StreamEvent> out = new ArrayList<>(frames.size() + 2);
        if (startedEvent != null) {
            out.add(startedEvent);
        }
        out.addAll(frames);
        if (restartedEvent != null) {
            int at = 0;
            while (at < out.size() && out.get(at).id() < restartedEvent.id()) {
                at++;
            }
            out.add(at, restartedEvent);
        }
        return out;
    }

    public synchronized void unsubscribe(Listener listener) {
        listeners.removeIf(l -> l instanceof After a && a.delegate == listener);
    }

    /** A listener that skips events up to a sequence number. */
    private static final class After implements Listener {
        private final long after;
        private final Listener delegate;

        After(long after, Listener delegate) {
            this.after = after;
            this.delegate = delegate;
        }

        @Override
        public boolean offer(StreamEvent event) {
            return event.id() <= after || delegate.offer(event);
        }
    }

    public synchronized int listenerCount() {
        return listeners.size();
    }

    /** The terminal event's sequence, or -1 while the job runs. */
    public synchronized long terminalSequence() {
        return terminal == null ? -1 : terminal.id();
    }

    public synchronized byte[] resultPng() {
        return resultPng;
    }

    public synchronized List<byte[]> samplePngs() {
        return samplePngs;
    }

    /** Keeps only the last buffered frame of each level; returns the change in bytes. */
    public synchronized long thin() {
        long before = bytes;
        Set<Integer> seen = new HashSet<>();
        Iterator<StreamEvent> it = frames.descendingIterator();
        while (it.hasNext()) {
            StreamEvent e = it.next();
            if (!seen.add(e.level())) {
                it.remove();
                bytes -= e.bytes();
            }
        }
        return bytes - before;
    }

    /** Drops every buffered frame (status, terminal event and result stay); returns the change in bytes. */
    public synchronized long dropFrames() {
        long before = bytes;
        for (StreamEvent e : frames) {
            bytes -= e.bytes();
        }
        frames.clear();
        return bytes - before;
    }

    public synchronized boolean hasFrames() {
        return !frames.isEmpty();
    }

    /** Drops the oldest frame that is not the last of its level, so late subscribers still see every level. */
    private void dropOneFrame() {
        StreamEvent victim = null;
        StreamEvent previous = null;
        for (StreamEvent e : frames) {
            if (previous != null && previous.level() == e.level()) {
                victim = previous;
                break;
            }
            previous = e;
        }
        if (victim == null) {
            victim = frames.peekFirst();
        }
        frames.remove(victim);
        bytes -= victim.bytes();
    }

    private static byte[] decode(String base64) {
        if (base64 == null) {
            return null;
        }
        try {
            return Base64.getDecoder().decode(base64);
        } catch (IllegalArgumentException e) {
            return null;
        }
    }
}
