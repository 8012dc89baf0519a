package dev.ncsn.model;

import java.util.List;
import java.util.random.RandomGenerator;

/**
 * A mixture of isotropic Gaussians Σ π_k·N(μ_k, s_k²·I) with its exact scores, before and after the data is
 * blurred by N(0, σ²·I). Blurring keeps it a mixture, with variances s_k² + σ², so the perturbed score
 * ∇x log q_σ(x) = Σ w_k(x)·(μ_k − x)/(s_k² + σ²), w_k the posterior component weights, is exact.
 */
public record GaussianMixture(List<Component> components) {

    /** One component: weight π, mean μ and per-coordinate standard deviation s. */
    public record Component(double weight, double[] mean, double std) {
        public Component {
            if (!(weight > 0) || !(std > 0)) {
                throw new IllegalArgumentException("a mixture component needs a positive weight and std");
            }
            mean = mean.clone();
        }
    }

    /** The paper's toy distribution: 1/5·N((−5,−5), I) + 4/5·N((5,5), I). */
    public static GaussianMixture paperToy() {
        return new GaussianMixture(List.of(
                new Component(0.2, new double[] {-5, -5}, 1.0),
                new Component(0.8, new double[] {5, 5}, 1.0)));
    }

    public GaussianMixture {
        if (components.isEmpty()) {
            throw new IllegalArgumentException("a mixture needs at least one component");
        }
        int dim = components.get(0).mean().length;
        double total = 0;
        for (Component c : components) {
            if (c.mean().length != dim) {
                throw new IllegalArgumentException("mixture components differ in dimension");
            }
            total += c.weight();
        }
        if (Math.abs(total - 1) > 1e-9) {
            throw new IllegalArgumentException("mixture weights must sum to 1, got " + total);
        }
        components = List.copyOf(components);
    }

    public int dimension() {
        return components.get(0).mean().length;
    }

    /**
     * Writes the score of the σ-blurred mixture at the point x[offset .. offset+d) into out at the same offset.
     * σ = 0 gives the score of the mixture itself.
     */
    public void perturbedScore(float[] x, int offset, double sigma, float[] out) {
        int d = dimension();
        int k = components.size();
        double[] logw = new double[k];
        double max = Double.NEGATIVE_INFINITY;
        for (int c = 0; c < k; c++) {
            Component comp = components.get(c);
            double var = comp.std() * comp.std() + sigma * sigma;
            double sq = 0;
            for (int j = 0; j < d; j++) {
                double diff = x[offset + j] - comp.mean()[j];
                sq += diff * diff;
            }
            logw[c] = Math.log(comp.weight()) - 0.5 * d * Math.log(var) - sq / (2 * var);
            max = Math.max(max, logw[c]);
        }
        double norm = 0;
        for (int c = 0; c < k; c++) {
            logw[c] = Math.exp(logw[c] - max); // now unnormalised weights, stable under the shift
            norm += logw[c];
        }
        for (int j = 0; j < d; j++) {
            double s = 0;
            for (int c = 0; c < k; c++) {
                Component comp = components.get(c);
                double var = comp.std() * comp.std() + sigma * sigma;
                s += logw[c] / norm * (comp.mean()[j] - x[offset + j]) / var;
            }
            out[offset + j] = (float) s;
        }
    }

    /** n i.i.d. samples, row-major [n, d]. */
    public float[] sample(int n, RandomGenerator random) {
        int d = dimension();
        float[] out = new float[n * d];
        for (int i = 0; i < n; i++) {
            double u = random.nextDouble();
            Component chosen = components.get(components.size() - 1);
            for (Component c : components) {
                if (u < c.weight()) {
                    chosen = c;
                    break;
                }
                u -= c.weight();
            }
            for (int j = 0; j < d; j++) {
                out[i * d + j] = (float) (chosen.mean()[j] + chosen.std() * random.nextGaussian());
            }
        }
        return out;
    }
}
