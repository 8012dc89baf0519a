package dev.ncsn.sampler.core;

import dev.ncsn.model.sampling.JobState;

import java.time.Instant;
import java.util.Objects;

/**
 * A running job written down between two Langevin steps, so that any worker can resume it at the same
 * (level, step) and produce the same events and images as if it had never stopped.
 *
 * @param jobId        the job
 * @param model        the model name
 * @param modelVersion the version the job runs on (a resume loads it if the worker serves another)
 * @param nextSequence the sequence number of the job's next event
 * @param requestTopic the request topic the job came from (generation or inpainting)
 * @param request      the request exactly as received: sampling parameters and, for inpainting, the observed
 *                     image and mask; a resume checks that the record it re-reads is this one
 * @param chain        samples, position and random state, whatever the sampler ({@link JobState})
 * @param handOver     whether it was written at a graceful stop (nothing was computed after it)
 * @param worker       the instance that wrote it
 * @param takenAt      when
 * @param restartSequence a sequence number that no event of this run can reach (its next one plus one per update
 *                     left in its plan, plus the terminal event), or -1 when unknown (older snapshots): a restart from
 *                     step 0 on another version numbers its events from here, so that consumers which drop events
 *                     already seen cannot mistake them for events of this run that a dead worker sent after the
 *                     snapshot
 */
public record JobSnapshot(String jobId, String model, String modelVersion, long nextSequence, String requestTopic,
                          String request, JobState chain, boolean handOver, String worker, Instant takenAt,
                          long restartSequence) {

    /** Without a restart sequence (unknown). */
    public JobSnapshot(String jobId, String model, String modelVersion, long nextSequence, String requestTopic,
                       String request, JobState chain, boolean handOver, String worker, Instant takenAt) {
        this(jobId, model, modelVersion, nextSequence, requestTopic, request, chain, handOver, worker, takenAt, -1);
    }

    public JobSnapshot {
        Objects.requireNonNull(jobId, "jobId");
        Objects.requireNonNull(model, "model");
        Objects.requireNonNull(modelVersion, "modelVersion");
        Objects.requireNonNull(requestTopic, "requestTopic");
        Objects.requireNonNull(request, "request");
        Objects.requireNonNull(chain, "chain");
        Objects.requireNonNull(worker, "worker");
        Objects.requireNonNull(takenAt, "takenAt");
        if (nextSequence < 0) {
            throw new IllegalArgumentException("nextSequence must not be negative, got " + nextSequence);
        }
        if (restartSequence >= 0 && restartSequence <= nextSequence) {
            throw new IllegalArgumentException("restartSequence " + restartSequence + " must be above nextSequence "
                    + nextSequence);
        }
    }

    /**
     * Where a restart from step 0 numbers its events: {@link #restartSequence} when known, else above anything a run
     * of the contract's largest plan could have reached from {@link #nextSequence}.
     */
    public long firstSequenceOfARestart() {
        return restartSequence >= 0 ? restartSequence
                : nextSequence + dev.ncsn.model.contract.SamplingParameters.MAX_SAMPLE_EVALUATIONS + 1L;
    }

    /** Whether this snapshot is of that request record (same job id, same bytes). */
    public boolean isOf(JobRequest r) {
        return jobId.equals(r.jobId()) && requestTopic.equals(r.position().topic()) && request.equals(r.rawValue());
    }
}
