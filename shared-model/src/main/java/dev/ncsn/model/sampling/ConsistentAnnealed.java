package dev.ncsn.model.sampling;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Consistent annealed sampling (Jolicoeur-Martineau et al. 2021, "Adversarial score matching and improved
 * sampling for image generation", Algorithm 2): one step per σ of the fine grid, N = K·T steps,
 * x ← x + η_n·s(x, σn) + β·σn+1·z with η_n = (ε/2)·σn²/σK² (annealed Langevin's drift) and
 * β = √(1 − (1 − η_n/σn²)²/γ²), γ = σn+1/σn, so that the noise left in x after each step has exactly the next
 * level's standard deviation σn+1 (plain annealed Langevin overshoots it). N evaluations; σN+1 = 0, so the last
 * step adds no noise. Needs 1 − γ ≤ ε/(2σK²) ≤ 1 + γ: the step must remove at least the noise the next level no
 * longer has.
 */
public record ConsistentAnnealed() implements Sampler {

    public static final String NAME = "consistent-annealed";
    public static final SamplerType TYPE = new SamplerType(NAME,
            "consistent annealed sampling (Jolicoeur-Martineau et al. 2021): noise kept at each level's σ",
            List.of(), values -> new ConsistentAnnealed());

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
        List<Evaluation> plan = ReverseDiffusion.steps(grid, spec);
        double delta = spec.epsilon() / (2 * grid.smallest() * grid.smallest());
        for (Evaluation e : plan) {
            if (e.to() > 0) {
                double gamma = e.to() / e.from();
                if (!(delta >= 1 - gamma - 1e-12 && delta <= 1 + gamma)) {
                    double low = 2 * grid.smallest() * grid.smallest() * (1 - gamma);
                    double high = 2 * grid.smallest() * grid.smallest() * (1 + gamma);
                    throw new IllegalArgumentException(String.format(java.util.Locale.ROOT,
                            "consistent-annealed with %d steps per level over these %d levels needs a step size in"
                                    + " [%.3g, %.3g], got %.3g (more steps per level lower the minimum)",
                            spec.stepsPerLevel(), grid.levels(), low, high, spec.epsilon()));
                }
            }
        }
        return new ArrayList<>(plan);
    }

    @Override
    public void initialise(SamplingJob job) {
        ReverseDiffusion.start(job);
    }

    @Override
    public void update(Evaluation e, SamplingJob job, float[] scores, int offset) {
        float[] x = job.x();
        JobRandom random = job.random();
        double delta = job.spec().epsilon() / (2 * job.grid().smallest() * job.grid().smallest());
        double eta = delta * e.from() * e.from();
        double noise = 0;
        if (e.to() > 0) {
            double gamma = e.to() / e.from();
            double keep = (1 - delta) / gamma;
            noise = Math.sqrt(Math.max(0, 1 - keep * keep)) * e.to();
        }
        for (int i = 0; i < x.length; i++) {
            double z = noise > 0 ? random.nextGaussian() : 0;
            x[i] = (float) (x[i] + eta * scores[offset + i] + noise * z);
        }
    }
}
