package dev.ncsn.model.sampling;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The probability-flow ODE of the VE SDE, dx/dσ = −σ·s(x, σ), integrated deterministically over N = K·T steps:
 * Euler in σ, x ← x + σn·(σn − σn+1)·s(x, σn) (the η = 0 DDIM form for VE), N evaluations; with {@code heun},
 * Heun's second-order correction with the slope at σn+1 (Karras et al. 2022), 2N − 1 evaluations (the last step,
 * to σ = 0, stays Euler). Only the starting noise is random.
 */
public record ProbabilityFlow(boolean heun) implements Sampler {

    public static final String NAME = "probability-flow";
    public static final SamplerType TYPE = new SamplerType(NAME,
            "the deterministic probability-flow ODE, Euler in σ (DDIM η = 0), optionally with Heun's correction",
            List.of(SamplerOption.flag("heun", false, "Heun's second-order correction (two evaluations per step)")),
            values -> new ProbabilityFlow(values.flag("heun")));

    static final int EULER = 0;
    static final int HEUN = 1;

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public Map<String, Object> options() {
        return Map.of("heun", heun);
    }

    @Override
    public List<Evaluation> plan(SigmaGrid grid, SamplingSpec spec) {
        List<Evaluation> steps = ReverseDiffusion.steps(grid, spec);
        if (!heun) {
            return steps;
        }
        List<Evaluation> plan = new ArrayList<>(2 * steps.size());
        for (Evaluation euler : steps) {
            if (euler.to() == 0) {
                plan.add(euler);
                continue;
            }
            plan.add(euler.notEndingStep());
            plan.add(new Evaluation(euler.level(), euler.step(), euler.stepsInLevel(), euler.to(), euler.from(),
                    euler.to(), HEUN, true, false));
        }
        return plan;
    }

    @Override
    public void initialise(SamplingJob job) {
        ReverseDiffusion.start(job);
    }

    @Override
    public void update(Evaluation e, SamplingJob job, float[] scores, int offset) {
        float[] x = job.x();
        double h = e.to() - e.from(); // negative: σ decreases
        if (e.kind() == EULER) {
            // slope dx/dσ = −σ·s; with Heun it is kept for the correction at σn+1
            float[] slope = heun && e.to() > 0 ? job.saved(true) : null;
            for (int i = 0; i < x.length; i++) {
                double d = -e.sigma() * scores[offset + i];
                if (slope != null) {
                    slope[i] = (float) d;
                }
                x[i] = (float) (x[i] + h * d);
            }
            return;
        }
        // x holds the Euler prediction x' = x + h·d1; Heun: x + h·(d1 + d2)/2 = x' + h·(d2 − d1)/2
        float[] slope = job.saved(false);
        for (int i = 0; i < x.length; i++) {
            double d2 = -e.sigma() * scores[offset + i];
            x[i] = (float) (x[i] + h * (d2 - slope[i]) / 2);
        }
    }
}
