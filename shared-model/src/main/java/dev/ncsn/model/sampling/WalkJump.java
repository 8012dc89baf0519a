package dev.ncsn.model.sampling;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Walk-jump sampling (Saremi & Hyvärinen 2019, "Neural empirical Bayes"): K·T Langevin steps at one noise level
 * σJ (the walk, on the smoothed density, where modes are connected), with Algorithm 1's step size at that level,
 * α = ε·σJ²/σK², then one jump to Tweedie's estimate x + σJ²·s(x, σJ) of the clean sample. K·T + 1 evaluations,
 * all at the trained level J.
 */
public record WalkJump(int level) implements Sampler {

    public static final String NAME = "walk-jump";
    public static final SamplerType TYPE = new SamplerType(NAME,
            "walk-jump sampling (Saremi & Hyvärinen 2019): Langevin at one level, then one Tweedie jump",
            List.of(SamplerOption.integer("level", 5, 1, 10_000,
                    "the 1-based noise level of the walk (1 = σ1, the largest)")),
            values -> new WalkJump(values.integer("level")));

    static final int WALK = 0;
    static final int JUMP = 1;

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public Map<String, Object> options() {
        return Map.of("level", level);
    }

    @Override
    public List<Evaluation> plan(SigmaGrid grid, SamplingSpec spec) {
        if (level > grid.levels()) {
            throw new IllegalArgumentException("walk-jump level " + level + " is beyond the " + grid.levels()
                    + " noise levels");
        }
        double sigma = grid.sigma(level - 1);
        int steps = Math.multiplyExact(grid.levels(), spec.stepsPerLevel());
        List<Evaluation> plan = new ArrayList<>(steps + 1);
        for (int step = 1; step <= steps; step++) {
            plan.add(Evaluation.langevin(level, step, steps, sigma));
        }
        plan.add(new Evaluation(level, steps + 1, steps, sigma, sigma, 0, JUMP, true, true));
        return plan;
    }

    @Override
    public void update(Evaluation e, SamplingJob job, float[] scores, int offset) {
        if (e.kind() == JUMP) {
            FinalDenoise.tweedie(job.x(), e.sigma(), scores, offset);
            return;
        }
        double ratio = e.sigma() / job.grid().smallest();
        AnnealedLangevin.langevinStep(job, scores, offset, job.spec().epsilon() * ratio * ratio);
    }
}
