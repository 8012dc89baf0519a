package dev.ncsn.model.sampling;

import java.util.Arrays;
import java.util.Objects;

/**
 * Everything a running {@link SamplingJob} holds beyond its spec, its model's levels and its inpainting task, so
 * that a job restored from it continues bit for bit where the original stopped (same samples, same random
 * numbers, same frames), whatever its sampler.
 *
 * @param x                    the samples, [count, C·H·W] row-major
 * @param knownNoisy           inpainting only (else null): observation + σ·z at {@code knownSigma}, drawn once per σ
 * @param knownSigma           the σ knownNoisy was drawn for (NaN when none)
 * @param randomDraws          64-bit draws of the job's random stream since its seed ({@link JobRandom})
 * @param completedEvaluations the plan's evaluations done: where the job is in (level, step)
 * @param saved                what the sampler keeps between two evaluations of one step (Heun's first slope), or null
 */
public record JobState(float[] x, float[] knownNoisy, double knownSigma, long randomDraws, int completedEvaluations,
                       float[] saved) {

    public JobState {
        Objects.requireNonNull(x, "x");
        if (randomDraws < 0 || completedEvaluations < 0) {
            throw new IllegalArgumentException("a job position is negative: draws " + randomDraws + ", evaluations "
                    + completedEvaluations);
        }
        if (knownNoisy != null && knownNoisy.length != x.length) {
            throw new IllegalArgumentException("knownNoisy has " + knownNoisy.length + " values, x has " + x.length);
        }
        if (saved != null && saved.length != x.length) {
            throw new IllegalArgumentException("saved has " + saved.length + " values, x has " + x.length);
        }
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof JobState s && randomDraws == s.randomDraws
                && completedEvaluations == s.completedEvaluations
                && Double.compare(knownSigma, s.knownSigma) == 0 && Arrays.equals(x, s.x)
                && Arrays.equals(knownNoisy, s.knownNoisy) && Arrays.equals(saved, s.saved);
    }

    @Override
    public int hashCode() {
        return Objects.hash(Arrays.hashCode(x), Arrays.hashCode(knownNoisy), knownSigma, randomDraws,
                completedEvaluations, Arrays.hashCode(saved));
    }

    @Override
    public String toString() {
        return "JobState[evaluations=" + completedEvaluations + ", draws=" + randomDraws + ", values=" + x.length + "]";
    }
}
