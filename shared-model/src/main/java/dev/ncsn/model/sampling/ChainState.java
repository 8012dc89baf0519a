package dev.ncsn.model.sampling;

import java.util.Arrays;
import java.util.Objects;

/**
 * Everything a running {@link LangevinChain} holds beyond its spec, its schedule and its inpainting task, so that
 * a chain restored from it continues bit for bit where the original stopped (same samples, same random numbers,
 * same frames).
 *
 * @param x              the samples, [count, C·H·W] row-major
 * @param knownNoisy     inpainting only (else null): this level's observation + σ·z, drawn once per level
 * @param randomDraws    64-bit draws of the job's random stream since its seed ({@link JobRandom})
 * @param phase          index of the current (level, T steps) phase
 * @param stepInPhase    steps done in the current phase
 * @param completedSteps score evaluations done
 * @param denoising      whether the next evaluation is NCSNv2's final denoising step
 */
public record ChainState(float[] x, float[] knownNoisy, long randomDraws, int phase, int stepInPhase,
                         int completedSteps, boolean denoising) {

    public ChainState {
        Objects.requireNonNull(x, "x");
        if (randomDraws < 0 || phase < 0 || stepInPhase < 0 || completedSteps < 0) {
            throw new IllegalArgumentException("a chain position is negative: draws " + randomDraws + ", phase "
                    + phase + ", step " + stepInPhase + ", completed " + completedSteps);
        }
        if (knownNoisy != null && knownNoisy.length != x.length) {
            throw new IllegalArgumentException("knownNoisy has " + knownNoisy.length + " values, x has " + x.length);
        }
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ChainState s && randomDraws == s.randomDraws && phase == s.phase
                && stepInPhase == s.stepInPhase && completedSteps == s.completedSteps && denoising == s.denoising
                && Arrays.equals(x, s.x) && Arrays.equals(knownNoisy, s.knownNoisy);
    }

    @Override
    public int hashCode() {
        return Objects.hash(Arrays.hashCode(x), Arrays.hashCode(knownNoisy), randomDraws, phase, stepInPhase,
                completedSteps, denoising);
    }

    @Override
    public String toString() {
        return "ChainState[phase=" + phase + ", stepInPhase=" + stepInPhase + ", completed=" + completedSteps
                + ", denoising=" + denoising + ", draws=" + randomDraws + ", values=" + x.length + "]";
    }
}
