package dev.ncsn.model.sampling;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Predictor–corrector sampling of score SDEs (Song et al. 2021) for the VE SDE, with score_sde's
 * reverse-diffusion predictor and Langevin corrector. Each of the N = K·T steps first runs {@code correctorSteps}
 * corrector steps at σn, x ← x + ε·s + √(2ε)·z with ε = 2·(snr·‖z‖/‖s‖)² per sample, then the predictor
 * x ← x + (σn² − σn+1²)·s(x, σn) + √(σn² − σn+1²)·z (score_sde's order; the last predictor, to σ = 0, adds no
 * noise). N·(1 + correctorSteps) evaluations. The default snr 0.16 is score_sde's for its VE models (its
 * configuration of the original NCSN with annealed Langevin as the corrector uses 0.176).
 */
public record PredictorCorrector(double snr, int correctorSteps) implements Sampler {

    public static final String NAME = "predictor-corrector";
    public static final SamplerType TYPE = new SamplerType(NAME,
            "score SDE's predictor-corrector sampler (VE): reverse-diffusion predictor with Langevin corrector steps",
            List.of(SamplerOption.number("snr", 0.16, 1e-6, 10,
                            "signal-to-noise ratio r of the corrector: ε = 2·(r·‖z‖/‖s‖)²"),
                    SamplerOption.integer("correctorSteps", 1, 0, 100, "Langevin corrector steps per predictor step")),
            values -> new PredictorCorrector(values.number("snr"), values.integer("correctorSteps")));

    static final int PREDICT = 0;
    static final int CORRECT = 1;

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public Map<String, Object> options() {
        return Map.of("snr", snr, "correctorSteps", correctorSteps);
    }

    @Override
    public List<Evaluation> plan(SigmaGrid grid, SamplingSpec spec) {
        List<Evaluation> steps = ReverseDiffusion.steps(grid, spec);
        List<Evaluation> plan = new ArrayList<>(steps.size() * (1 + correctorSteps));
        for (Evaluation predictor : steps) {
            Evaluation corrector = new Evaluation(predictor.level(), predictor.step(), predictor.stepsInLevel(),
                    predictor.sigma(), predictor.sigma(), predictor.sigma(), CORRECT, false, false);
            for (int c = 0; c < correctorSteps; c++) {
                plan.add(corrector);
            }
            plan.add(predictor.withKind(PREDICT));
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
        JobRandom random = job.random();
        if (e.kind() == PREDICT) {
            double variance = e.from() * e.from() - e.to() * e.to();
            double noise = e.to() > 0 ? Math.sqrt(variance) : 0;
            for (int i = 0; i < x.length; i++) {
                double z = noise > 0 ? random.nextGaussian() : 0;
                x[i] = (float) (x[i] + variance * scores[offset + i] + noise * z);
            }
            return;
        }
        int dim = job.sampleSize();
        double[] z = new double[dim];
        for (int n = 0; n < job.count(); n++) {
            int base = n * dim;
            double zz = 0;
            double ss = 0;
            for (int j = 0; j < dim; j++) {
                z[j] = random.nextGaussian();
                zz += z[j] * z[j];
                double s = scores[offset + base + j];
                ss += s * s;
            }
            if (ss == 0) {
                continue; // no gradient: score_sde's ε would be infinite; the sample is left as it is
            }
            double ratio = snr * Math.sqrt(zz / ss);
            double eps = 2 * ratio * ratio;
            double noise = Math.sqrt(2 * eps);
            for (int j = 0; j < dim; j++) {
                x[base + j] = (float) (x[base + j] + eps * scores[offset + base + j] + noise * z[j]);
            }
        }
    }
}
