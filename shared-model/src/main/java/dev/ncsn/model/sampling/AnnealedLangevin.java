package dev.ncsn.model.sampling;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Annealed Langevin dynamics, the paper's Algorithm 1: T steps at each level σ1 … σK, each
 * x ← x + (α_i/2)·s(x, σ_i) + √α_i·z with α_i = ε·σ_i²/σK². K·T evaluations. On a level-indexed network its
 * levels are the trained ones, so every evaluation is at a trained level.
 */
public record AnnealedLangevin() implements Sampler {

    public static final String NAME = "annealed-langevin";
    public static final SamplerType TYPE = new SamplerType(NAME,
            "Algorithm 1 of Song & Ermon (2019): T Langevin steps at each noise level, largest first", List.of(),
            values -> new AnnealedLangevin());

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public Map<String, Object> options() {
        return Map.of();
    }

    @Override
    public List<Evaluation> plan(SigmaGrid grid, SamplingSpec spec) {
        int t = spec.stepsPerLevel();
        List<Evaluation> plan = new ArrayList<>(grid.levels() * t);
        for (int k = 0; k < grid.levels(); k++) {
            for (int step = 1; step <= t; step++) {
                plan.add(Evaluation.langevin(k + 1, step, t, grid.sigma(k)));
            }
        }
        return plan;
    }

    @Override
    public void update(Evaluation evaluation, SamplingJob job, float[] scores, int offset) {
        double ratio = evaluation.sigma() / job.grid().smallest();
        langevinStep(job, scores, offset, job.spec().epsilon() * ratio * ratio);
    }

    /** One Langevin step x ← x + (α/2)·s + √α·z, z drawn from the job's stream value by value. */
    static void langevinStep(SamplingJob job, float[] scores, int offset, double alpha) {
        float[] x = job.x();
        double drift = alpha / 2;
        double diffusion = Math.sqrt(alpha);
        JobRandom random = job.random();
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) (x[i] + drift * scores[offset + i] + diffusion * random.nextGaussian());
        }
    }
}
