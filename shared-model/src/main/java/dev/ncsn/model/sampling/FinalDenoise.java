package dev.ncsn.model.sampling;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * NCSNv2's final denoising step after any sampler: one more evaluation at the grid's smallest σ and the
 * noise-free update x ← x + σ²·s(x, σ) (Tweedie's estimate of the clean sample). Wraps the sampler rather
 * than copying it, so every sampler has it.
 */
record FinalDenoise(Sampler inner) implements Sampler {

    /** The tag of the added evaluation; samplers' own tags are non-negative. */
    static final int KIND = -1;

    @Override
    public String name() {
        return inner.name();
    }

    @Override
    public Map<String, Object> options() {
        return inner.options();
    }

    @Override
    public List<Evaluation> plan(SigmaGrid grid, SamplingSpec spec) {
        List<Evaluation> plan = new ArrayList<>(inner.plan(grid, spec));
        Evaluation last = plan.get(plan.size() - 1);
        double sigma = grid.smallest();
        plan.add(new Evaluation(last.level(), last.stepsInLevel() + 1, last.stepsInLevel(), sigma, sigma, 0, KIND,
                true, true));
        return plan;
    }

    @Override
    public void initialise(SamplingJob job) {
        inner.initialise(job);
    }

    @Override
    public void update(Evaluation evaluation, SamplingJob job, float[] scores, int offset) {
        if (evaluation.kind() != KIND) {
            inner.update(evaluation, job, scores, offset);
            return;
        }
        tweedie(job.x(), evaluation.sigma(), scores, offset);
    }

    /** x ← x + σ²·s: the posterior mean of the clean sample given x at noise σ. */
    static void tweedie(float[] x, double sigma, float[] scores, int offset) {
        double s2 = sigma * sigma;
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) (x[i] + s2 * scores[offset + i]);
        }
    }
}
