package dev.ncsn.trainer.core;

import com.fasterxml.jackson.annotation.JsonAutoDetect;
import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonProperty;
import dev.ncsn.trainer.data.DatasetRef;
import dev.ncsn.trainer.store.StateSync;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Everything the trainer remembers of a run, stored as {@code runs/RUN/run.json} and rewritten at each status
 * change and checkpoint. The training state itself (weights, Adam, EMA, step) is beside it under
 * {@code runs/RUN/state/} (see {@link StateSync}); this record says which segment and data that state belongs to
 * and which versions the run has published.
 *
 * <p>Mutable and synchronised; {@link #copy()} gives a snapshot for readers.
 */
@JsonAutoDetect(fieldVisibility = JsonAutoDetect.Visibility.ANY, getterVisibility = JsonAutoDetect.Visibility.NONE,
        isGetterVisibility = JsonAutoDetect.Visibility.NONE)
public final class RunRecord {

    /**
     * A stretch of training on one data version: a run has one; a continuous run one more per new dataset version.
     *
     * @param index       1, 2, …
     * @param data        the resolved data of this segment
     * @param initVersion the model version the segment's weights started from, or null for fresh weights (or, for
     *                    segment 1 of a run started from scratch)
     * @param startStep   the step counter at the segment's start (the init version's training step)
     * @param endStep     startStep + the run's steps
     */
    public record Segment(int index, DatasetRef data, String initVersion, long startStep, long endStep,
                          Instant startedAt) {
    }

    /**
     * A version the run published, with its gate outcome.
     *
     * @param trainLoss  the smoothed training loss at that step; null right after a resume (no step timed yet)
     * @param promoted   whether it became live
     * @param liveVersion the live version it was compared with (null when there was none)
     * @param liveScore  that version's held-out DSM loss on the same images and noise
     */
    public record Candidate(String version, long step, int segment, double heldOutDsmLoss, Double trainLoss,
                            boolean promoted, String liveVersion, Double liveScore, String reason,
                            Instant publishedAt) {
    }

    /** A checkpoint whose version id is chosen but whose publication may not have finished (see TrainingJob). */
    public record Pending(String version, long step, int segment) {
    }

    private final String id;
    private RunSpec spec;
    private RunStatus status;
    private long step;
    private List<Segment> segments;
    private List<Candidate> candidates;
    private Pending pending;
    private String error;
    private final Instant createdAt;
    private Instant updatedAt;

    @JsonCreator
    public RunRecord(@JsonProperty("id") String id, @JsonProperty("spec") RunSpec spec,
                     @JsonProperty("status") RunStatus status, @JsonProperty("step") long step,
                     @JsonProperty("segments") List<Segment> segments,
                     @JsonProperty("candidates") List<Candidate> candidates,
                     @JsonProperty("pending") Pending pending, @JsonProperty("error") String error,
                     @JsonProperty("createdAt") Instant createdAt, @JsonProperty("updatedAt") Instant updatedAt) {
        this.id = id;
        this.spec = spec;
        this.status = status;
        this.step = step;
        this.segments = segments == null ? new ArrayList<>() : new ArrayList<>(segments);
        this.candidates = candidates == null ? new ArrayList<>() : new ArrayList<>(candidates);
        this.pending = pending;
        this.error = error;
        this.createdAt = createdAt;
        this.updatedAt = updatedAt;
    }

    /** A new run's record, with its first segment. */
    public static RunRecord create(RunSpec spec, Segment first) {
        Instant now = Instant.now();
        return new RunRecord(spec.runId(), spec, RunStatus.RUNNING, first.startStep(), List.of(first), List.of(),
                null, null, now, now);
    }

    public String id() {
        return id;
    }

    public synchronized RunSpec spec() {
        return spec;
    }

    public synchronized RunStatus status() {
        return status;
    }

    public synchronized long step() {
        return step;
    }

    public synchronized List<Segment> segments() {
        return List.copyOf(segments);
    }

    public synchronized Segment segment() {
        return segments.get(segments.size() - 1);
    }

    public synchronized List<Candidate> candidates() {
        return List.copyOf(candidates);
    }

    public synchronized Optional<Candidate> candidate(int segment, long atStep) {
        return candidates.stream().filter(c -> c.segment() == segment && c.step() == atStep).findFirst();
    }

    public synchronized Optional<Candidate> lastCandidate() {
        return candidates.isEmpty() ? Optional.empty() : Optional.of(candidates.get(candidates.size() - 1));
    }

    public synchronized Pending pending() {
        return pending;
    }

    public synchronized String error() {
        return error;
    }

    public Instant createdAt() {
        return createdAt;
    }

    public synchronized Instant updatedAt() {
        return updatedAt;
    }

    synchronized void status(RunStatus newStatus, String newError) {
        status = newStatus;
        error = newError;
        updatedAt = Instant.now();
    }

    /** The run's spec once its schedule is decided (designed from the data when it first trains). */
    synchronized void spec(RunSpec newSpec) {
        if (!newSpec.runId().equals(id)) {
            throw new IllegalArgumentException("spec of run " + newSpec.runId() + " given to run " + id);
        }
        spec = newSpec;
        updatedAt = Instant.now();
    }

    synchronized void step(long newStep) {
        step = newStep;
    }

    synchronized void addSegment(Segment segment) {
        segments.add(segment);
        step = segment.startStep();
        updatedAt = Instant.now();
    }

    synchronized void pending(Pending p) {
        pending = p;
        updatedAt = Instant.now();
    }

    synchronized void published(Candidate c) {
        candidates.add(c);
        if (pending != null && pending.version().equals(c.version())) {
            pending = null;
        }
        updatedAt = Instant.now();
    }

    public synchronized RunRecord copy() {
        return new RunRecord(id, spec, status, step, segments, candidates, pending, error, createdAt, updatedAt);
    }

    /** Candidates' scores by version, for listing versions. */
    public synchronized Map<String, Candidate> candidatesByVersion() {
        Map<String, Candidate> out = new java.util.LinkedHashMap<>();
        candidates.forEach(c -> out.put(c.version(), c));
        return out;
    }
}
