package dev.ncsn.model.sampling;

import java.util.List;
import java.util.Map;

/**
 * Ancestral sampling for the VE SMLD chain (score_sde's ancestral predictor, Ho et al.'s sampler written for
 * NCSN's levels): x ← x + (σn² − σn+1²)·s(x, σn) + √(σn+1²·(σn² − σn+1²)/σn²)·z over N = K·T steps; N evaluations.
 */
public record Ancestral() implements Sampler {

    public static final String NAME = "ancestral";
    public static final SamplerType TYPE = new SamplerType(NAME,
            "ancestral sampling of the VE chain: the posterior step from σn to σn+1", List.of(),
            values -> new Ancestral());

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
        return ReverseDiffusion.steps(grid, spec);
    }

    @Override
    public void initialise(SamplingJob job) {
        ReverseDiffusion.start(job);
    }

    @Override
    public void update(Evaluation e, SamplingJob job, float[] scores, int offset) {
        float[] x = job.x();
        JobRandom random = job.random();
        double s2 = e.from() * e.from();
        double t2 = e.to() * e.to();
        double drift = s2 - t2;
        double noise = Math.sqrt(t2 * (s2 - t2) / s2);
        for (int i = 0; i < x.length; i++) {
            double z = noise > 0 ? random.nextGaussian() : 0;
            x[i] = (float) (x[i] + drift * scores[offset + i] + noise * z);
        }
    }
}
