package dev.ncsn.model.sampling;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Plain Langevin dynamics at the smallest level σK with α = ε, for the same K·T steps as annealed Langevin: the
 * paper's comparison (it cannot move mass between separated modes). K·T evaluations at one trained level.
 */
public record Langevin() implements Sampler {

    public static final String NAME = "langevin";
    public static final SamplerType TYPE = new SamplerType(NAME,
            "plain Langevin dynamics at the smallest noise level, K·T steps (the paper's comparison)", List.of(),
            values -> new Langevin());

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
        int steps = Math.multiplyExact(grid.levels(), spec.stepsPerLevel());
        List<Evaluation> plan = new ArrayList<>(steps);
        for (int step = 1; step <= steps; step++) {
            plan.add(Evaluation.langevin(grid.levels(), step, steps, grid.smallest()));
        }
        return plan;
    }

    @Override
    public void update(Evaluation evaluation, SamplingJob job, float[] scores, int offset) {
        AnnealedLangevin.langevinStep(job, scores, offset, job.spec().epsilon());
    }
}
