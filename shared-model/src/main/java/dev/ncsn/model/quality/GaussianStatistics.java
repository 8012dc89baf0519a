package dev.ncsn.model.quality;

import java.util.Objects;

/**
 * The mean and covariance of a set of feature vectors: what the Fréchet distance compares. The covariance is the
 * unbiased one (divisor n − 1), as numpy's {@code cov} and every published FID implementation use. Computed in
 * double precision with the mean subtracted first, so features of any offset keep their precision.
 *
 * @param mean       [d]
 * @param covariance [d][d], symmetric
 * @param count      the number of vectors it was computed from
 */
public record GaussianStatistics(double[] mean, double[][] covariance, int count) {

    public GaussianStatistics {
        Objects.requireNonNull(mean, "mean");
        Objects.requireNonNull(covariance, "covariance");
        int d = mean.length;
        if (d == 0 || covariance.length != d) {
            throw new IllegalArgumentException("a mean of " + d + " values needs a " + d + "×" + d + " covariance, got "
                    + covariance.length + " rows");
        }
        for (double[] row : covariance) {
            if (row.length != d) {
                throw new IllegalArgumentException("covariance rows must have " + d + " values, one has " + row.length);
            }
        }
    }

    public int dimension() {
        return mean.length;
    }

    /** The statistics of {@code features} ([n][d], n ≥ 2, every row of one length). */
    public static GaussianStatistics of(double[][] features) {
        int n = features.length;
        if (n < 2) {
            throw new IllegalArgumentException("a covariance needs at least 2 feature vectors, got " + n);
        }
        int d = features[0].length;
        double[] mean = new double[d];
        for (double[] f : features) {
            if (f.length != d) {
                throw new IllegalArgumentException("feature vectors of different lengths: " + d + " and " + f.length);
            }
            for (int j = 0; j < d; j++) {
                mean[j] += f[j];
            }
        }
        for (int j = 0; j < d; j++) {
            mean[j] /= n;
        }
        double[][] cov = new double[d][d];
        double[] centred = new double[d];
        for (double[] f : features) {
            for (int j = 0; j < d; j++) {
                centred[j] = f[j] - mean[j];
            }
            for (int a = 0; a < d; a++) {
                double ca = centred[a];
                if (ca == 0) {
                    continue;
                }
                double[] row = cov[a];
                for (int b = a; b < d; b++) {
                    row[b] += ca * centred[b];
                }
            }
        }
        for (int a = 0; a < d; a++) {
            for (int b = a; b < d; b++) {
                cov[a][b] /= n - 1;
                cov[b][a] = cov[a][b];
            }
        }
        return new GaussianStatistics(mean, cov, n);
    }
}
