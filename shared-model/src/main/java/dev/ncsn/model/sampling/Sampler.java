package dev.ncsn.model.sampling;

import java.util.List;
import java.util.Map;

/**
 * An update rule: which network evaluations a job makes (its {@link #plan}) and how each moves the samples
 * ({@link #update}). It holds no per-job state: the samples, the random stream, the position in the plan and any
 * values an update keeps between evaluations live in the {@link SamplingJob}, so one sampler value serves any
 * number of jobs, and jobs on different samplers share forward passes ({@link SamplingRunner} batches them).
 *
 * <p>Implementations are immutable values (records) holding their own options; a {@link SamplerType} builds
 * them from options by name and {@link Samplers} finds the type by the sampler's name. Random numbers come only
 * from {@link SamplingJob#random()}, drawn in an order that depends only on the job, so a seed gives the same
 * samples alone or batched.
 */
public interface Sampler {

    /** The name users choose it by: {@code annealed-langevin}, {@code predictor-corrector}, … */
    String name();

    /** The values of its own options, by name (what a job reports it ran with). */
    Map<String, Object> options();

    /**
     * The evaluations a job makes, in order, for this grid of noise levels and the spec's
     * {@code stepsPerLevel}; throws IllegalArgumentException (with a sentence a user can act on) when the
     * spec does not suit the sampler.
     */
    List<Evaluation> plan(SigmaGrid grid, SamplingSpec spec);

    /**
     * Draws the job's starting samples into {@link SamplingJob#x()}. Default: uniform noise on the spec's
     * [initLow, initHigh], as Algorithm 1 starts.
     */
    default void initialise(SamplingJob job) {
        job.fillUniform();
    }

    /**
     * Moves the job's samples after one evaluation.
     *
     * @param evaluation the plan's entry that was evaluated
     * @param scores     the batch's scores; this job's are {@code scores[offset, offset + job.x().length)}
     */
    void update(Evaluation evaluation, SamplingJob job, float[] scores, int offset);
}
