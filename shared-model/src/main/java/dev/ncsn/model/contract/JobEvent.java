package dev.ncsn.model.contract;

import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;

import java.time.Instant;
import java.util.List;

/**
 * What a worker reports about a job on {@link Topics#FRAMES}, keyed by job id. Per job: {@code started} when a
 * worker picks the job up, frames in order (at least one per level), then exactly one terminal event
 * ({@code done}, {@code failed} or {@code cancelled}); a job refused or cancelled before it ran has no
 * {@code started}.
 * {@code sequence} numbers a job's events from 0; delivery is at least once (a job whose worker stopped or died
 * is continued by another from its latest snapshot, repeating the events after it, or run again from the start when
 * it has none), so consumers drop an event whose (jobId, sequence) they have seen, except a terminal event, which
 * always ends the job.
 * A job continued by another worker whose snapshot's model version is gone from the store starts again from step 0 on
 * the live version and says so with a {@code restarted} event, numbered on after the earlier events; its frames then
 * count again from the first step.
 * The JSON carries {@code "type": "started" | "frame" | "restarted" | "done" | "failed" | "cancelled"}. Consumers
 * that do not know a type may skip its event: only the terminal types end a job.
 */
@JsonTypeInfo(use = JsonTypeInfo.Id.NAME, property = "type")
@JsonSubTypes({
        @JsonSubTypes.Type(value = JobEvent.Started.class, name = "started"),
        @JsonSubTypes.Type(value = JobEvent.Frame.class, name = "frame"),
        @JsonSubTypes.Type(value = JobEvent.Restarted.class, name = "restarted"),
        @JsonSubTypes.Type(value = JobEvent.Done.class, name = "done"),
        @JsonSubTypes.Type(value = JobEvent.Failed.class, name = "failed"),
        @JsonSubTypes.Type(value = JobEvent.Cancelled.class, name = "cancelled")})
public sealed interface JobEvent {

    String jobId();

    long sequence();

    Instant at();

    default boolean terminal() {
        return !(this instanceof Frame || this instanceof Started || this instanceof Restarted);
    }

    /**
     * A worker picked the job up and is about to run its first step: the job's first event, sequence 0 (a re-run
     * from the start repeats it; a job resumed from a snapshot continues its stream without one).
     */
    record Started(String jobId, long sequence, String worker, String modelVersion, int levels, int stepsPerLevel,
                   int totalSteps, int count, long evaluations, Instant at) implements JobEvent {
    }

    /**
     * An intermediate state of the job's samples.
     *
     * @param level          1..levels, 1 being the largest σ
     * @param step           step within the level, 1..stepsPerLevel (stepsPerLevel + 1 for the final denoising step)
     * @param completedSteps Langevin steps done by the job so far, of totalSteps
     * @param image          base64 PNG grid of the current samples (row-major tiles, 2 px padding)
     * @param denoised       base64 PNG grid of the denoised estimate x + σ²·s, when the request asked for it
     */
    record Frame(String jobId, long sequence, int level, int levels, double sigma, int step, int stepsPerLevel,
                 int completedSteps, int totalSteps, String modelVersion, String image, String denoised,
                 Instant at) implements JobEvent {
    }

    /**
     * The job starts again from step 0 on {@code modelVersion}: the worker that continued it found its snapshot, but
     * the snapshot's model version ({@code previousVersion}, where the job had reached {@code previousCompletedSteps})
     * is no longer in the store, so the job cannot go on where it stopped. Not terminal; the frames after it count
     * {@code completedSteps} from the first step again, and the result is that of the live version.
     */
    record Restarted(String jobId, long sequence, String worker, String modelVersion, String previousVersion,
                     int previousCompletedSteps, String reason, Instant at) implements JobEvent {
    }

    /**
     * The job finished.
     *
     * @param image  base64 PNG grid of all samples
     * @param images base64 PNG of each sample alone
     */
    record Done(String jobId, long sequence, String modelVersion, String image, List<String> images,
                Instant at) implements JobEvent {
    }

    /** The job could not be run; {@code reason} says why in a sentence. */
    record Failed(String jobId, long sequence, String reason, Instant at) implements JobEvent {
    }

    /** The job was cancelled before it finished. */
    record Cancelled(String jobId, long sequence, Instant at) implements JobEvent {
    }
}
