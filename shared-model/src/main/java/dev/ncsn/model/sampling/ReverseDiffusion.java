package dev.ncsn.model.sampling;

import java.util.ArrayList;
import java.util.List;

/**
 * What the samplers that reverse the VE diffusion share: N = K·T steps over the grid's fine σ's
 * σ1 > … > σN, step n moving the samples from σn to σn+1 (σN+1 = 0, so the last step ends noise-free, as score_sde
 * with noise removal does), and a start from noise at σ1 around uniform noise on the spec's range (score_sde
 * starts from N(0, σ1²·I); the uniform centre keeps that start on the data's range when σ1 is not much larger
 * than the data's spread, as with the image schedule's σ1 = 1).
 */
final class ReverseDiffusion {

    private ReverseDiffusion() {
    }

    /** One evaluation per step, from σn to σn+1, numbered by level and step. */
    static List<Evaluation> steps(SigmaGrid grid, SamplingSpec spec) {
        int t = spec.stepsPerLevel();
        double[] sigmas = grid.fine(t);
        List<Evaluation> plan = new ArrayList<>(sigmas.length);
        for (int n = 0; n < sigmas.length; n++) {
            double next = n + 1 < sigmas.length ? sigmas[n + 1] : 0.0;
            plan.add(Evaluation.move(n / t + 1, n % t + 1, t, sigmas[n], next));
        }
        return plan;
    }

    /** Uniform noise on the spec's range plus σ1·z. */
    static void start(SamplingJob job) {
        job.fillUniform();
        job.addNoise(job.plan().get(0).sigma());
    }
}
