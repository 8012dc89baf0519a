package dev.ncsn.model.quality;

import java.util.SplittableRandom;

/**
 * The kernel inception distance (Bińkowski et al. 2018, "Demystifying MMD GANs"): the squared maximum mean
 * discrepancy between two feature sets under the cubic polynomial kernel k(x, y) = (xᵀy / d + 1)³, estimated
 * without bias:
 * <pre>
 *   MMD²_u = 1/(m(m−1)) Σ_{i≠j} k(x_i, x_j) + 1/(n(n−1)) Σ_{i≠j} k(y_i, y_j) − 2/(mn) Σ_{i,j} k(x_i, y_j)
 * </pre>
 * Unlike FID its expectation does not depend on the sample size, and it is zero in expectation for two samples of
 * one distribution (single estimates can be slightly negative). As in the paper and torch-fidelity, it is averaged
 * over random subsets (drawn without replacement within each subset), which also gives its spread.
 */
public final class KernelInceptionDistance {

    /** torch-fidelity's defaults: 100 subsets of 1,000. */
    public static final int DEFAULT_SUBSETS = 100;
    public static final int DEFAULT_SUBSET_SIZE = 1000;

    /**
     * @param mean       MMD² averaged over the subsets
     * @param std        its standard deviation over the subsets
     * @param subsets    how many subsets were drawn
     * @param subsetSize their size (from each set)
     */
    public record Estimate(double mean, double std, int subsets, int subsetSize) {
    }

    private KernelInceptionDistance() {
    }

    /**
     * MMD²_u averaged over {@code subsets} pairs of random subsets of {@code subsetSize} from each set (fewer when
     * a set is smaller: the smaller set's size, at least 2), drawn from {@code seed}.
     */
    public static Estimate estimate(double[][] x, double[][] y, int subsets, int subsetSize, long seed) {
        if (subsets < 1 || subsetSize < 2) {
            throw new IllegalArgumentException("need at least 1 subset of at least 2, got " + subsets + " of "
                    + subsetSize);
        }
        int m = Math.min(subsetSize, Math.min(x.length, y.length));
        if (m < 2) {
            throw new IllegalArgumentException("KID needs at least 2 feature vectors in each set, got " + x.length
                    + " and " + y.length);
        }
        SplittableRandom random = new SplittableRandom(seed);
        double sum = 0;
        double sumSquares = 0;
        double[][] xs = new double[m][];
        double[][] ys = new double[m][];
        for (int s = 0; s < subsets; s++) {
            pick(x, m, random, xs);
            pick(y, m, random, ys);
            double v = unbiasedMmd2(xs, ys);
            sum += v;
            sumSquares += v * v;
        }
        double mean = sum / subsets;
        double variance = subsets > 1 ? Math.max(0, (sumSquares - subsets * mean * mean) / (subsets - 1)) : 0;
        return new Estimate(mean, Math.sqrt(variance), subsets, m);
    }

    /** MMD²_u of two whole sets (each of at least 2 vectors of one length d). */
    public static double unbiasedMmd2(double[][] x, double[][] y) {
        int m = x.length;
        int n = y.length;
        if (m < 2 || n < 2) {
            throw new IllegalArgumentException("MMD²_u needs at least 2 vectors in each set, got " + m + " and " + n);
        }
        int d = x[0].length;
        double xx = 0;
        for (int i = 0; i < m; i++) {
            for (int j = i + 1; j < m; j++) {
                xx += kernel(x[i], x[j], d);
            }
        }
        double yy = 0;
        for (int i = 0; i < n; i++) {
            for (int j = i + 1; j < n; j++) {
                yy += kernel(y[i], y[j], d);
            }
        }
        double xy = 0;
        for (double[] xi : x) {
            for (double[] yj : y) {
                xy += kernel(xi, yj, d);
            }
        }
        // the sums over i < j count each unordered pair once: twice that over i ≠ j
        return 2 * xx / ((double) m * (m - 1)) + 2 * yy / ((double) n * (n - 1)) - 2 * xy / ((double) m * n);
    }

    /** (aᵀb / d + 1)³. */
    static double kernel(double[] a, double[] b, int d) {
        if (a.length != d || b.length != d) {
            throw new IllegalArgumentException("feature vectors of different lengths: " + a.length + " and "
                    + b.length);
        }
        double dot = 0;
        for (int k = 0; k < d; k++) {
            dot += a[k] * b[k];
        }
        double t = dot / d + 1;
        return t * t * t;
    }

    /** {@code m} distinct rows of {@code from}, uniformly (a partial Fisher–Yates shuffle of the indices). */
    private static void pick(double[][] from, int m, SplittableRandom random, double[][] into) {
        int n = from.length;
        int[] idx = new int[n];
        for (int i = 0; i < n; i++) {
            idx[i] = i;
        }
        for (int i = 0; i < m; i++) {
            int j = i + random.nextInt(n - i);
            int t = idx[i];
            idx[i] = idx[j];
            idx[j] = t;
            into[i] = from[idx[i]];
        }
    }
}
