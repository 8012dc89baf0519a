package dev.ncsn.model.quality;

import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class FrechetDistanceTest {

    /** n samples of N(mean, L·Lᵀ). */
    static double[][] gaussian(int n, double[] mean, double[][] l, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        int d = mean.length;
        double[][] out = new double[n][d];
        double[] z = new double[l[0].length];
        for (int i = 0; i < n; i++) {
            for (int k = 0; k < z.length; k++) {
                z[k] = random.nextGaussian();
            }
            for (int a = 0; a < d; a++) {
                double v = mean[a];
                for (int k = 0; k < z.length; k++) {
                    v += l[a][k] * z[k];
                }
                out[i][a] = v;
            }
        }
        return out;
    }

    /** Tr √(AB) for 2×2 PSD A, B: √(tr(AB) + 2√(det A · det B)) (a 2×2 PSD M has Tr √M = √(tr M + 2√det M)). */
    static double traceSqrtProduct2x2(double[][] a, double[][] b) {
        double trAb = a[0][0] * b[0][0] + a[0][1] * b[1][0] + a[1][0] * b[0][1] + a[1][1] * b[1][1];
        double detA = a[0][0] * a[1][1] - a[0][1] * a[1][0];
        double detB = b[0][0] * b[1][1] - b[0][1] * b[1][0];
        return Math.sqrt(trAb + 2 * Math.sqrt(Math.max(0, detA * detB)));
    }

    static double closedForm2x2(double[] m1, double[][] c1, double[] m2, double[][] c2) {
        double mean = Math.pow(m1[0] - m2[0], 2) + Math.pow(m1[1] - m2[1], 2);
        return mean + c1[0][0] + c1[1][1] + c2[0][0] + c2[1][1] - 2 * traceSqrtProduct2x2(c1, c2);
    }

    @Test
    void aSetHasDistanceZeroToItself() {
        double[][] l = {{1, 0, 0}, {0.5, 2, 0}, {-1, 0.3, 0.7}};
        double[][] x = gaussian(500, new double[] {1, -2, 3}, l, 1);
        GaussianStatistics s = GaussianStatistics.of(x);
        assertEquals(0, FrechetDistance.between(s, s), 1e-9);
    }

    @Test
    void matchesTheClosedFormForNonCommutingCovariances() {
        double[] m1 = {0, 1};
        double[][] c1 = {{2, 0.8}, {0.8, 1}};
        double[] m2 = {1.5, -0.5};
        double[][] c2 = {{0.5, -0.3}, {-0.3, 3}};
        double expected = closedForm2x2(m1, c1, m2, c2);
        double got = FrechetDistance.between(new GaussianStatistics(m1, c1, 100), new GaussianStatistics(m2, c2, 100));
        assertEquals(expected, got, 1e-10);
        // the naive Tr C1 + Tr C2 − 2 Tr √(diag products) would differ: the covariances do not commute
        double diagonalOnly = Math.pow(1.5, 2) + Math.pow(1.5, 2)
                + Math.pow(Math.sqrt(2) - Math.sqrt(0.5), 2) + Math.pow(1 - Math.sqrt(3), 2);
        assertTrue(Math.abs(diagonalOnly - expected) > 0.05, "test covariances should not commute");
    }

    @Test
    void diagonalCovariancesGiveTheSumOfSquaredRootDifferences() {
        int d = 6;
        double[] m1 = new double[d];
        double[] m2 = new double[d];
        double[][] c1 = new double[d][d];
        double[][] c2 = new double[d][d];
        double expected = 0;
        for (int i = 0; i < d; i++) {
            m1[i] = i;
            m2[i] = 0.5 * i;
            c1[i][i] = 1 + i;
            c2[i][i] = 4.0 / (1 + i);
            expected += Math.pow(m1[i] - m2[i], 2) + Math.pow(Math.sqrt(c1[i][i]) - Math.sqrt(c2[i][i]), 2);
        }
        assertEquals(expected, FrechetDistance.between(new GaussianStatistics(m1, c1, 10),
                new GaussianStatistics(m2, c2, 10)), 1e-10);
    }

    @Test
    void sampleEstimateConvergesToTheClosedForm() {
        double[] m1 = {0, 1};
        double[][] l1 = {{1.2, 0}, {0.6, 0.7}};
        double[] m2 = {1, 0};
        double[][] l2 = {{0.5, 0}, {-0.9, 1.3}};
        double[][] c1 = times(l1);
        double[][] c2 = times(l2);
        GaussianStatistics s1 = GaussianStatistics.of(gaussian(200_000, m1, l1, 2));
        GaussianStatistics s2 = GaussianStatistics.of(gaussian(200_000, m2, l2, 3));
        assertEquals(closedForm2x2(m1, c1, m2, c2), FrechetDistance.between(s1, s2), 0.02);
    }

    @Test
    void rankDeficientCovariancesAreHandled() {
        // C1 of rank 1 (all mass on the line y = x), C2 of rank 1 along another line: the product has a zero
        // eigenvalue and a general sqrtm of C1·C2 is singular
        double[][] c1 = {{1, 1}, {1, 1}};
        double[][] c2 = {{4, -2}, {-2, 1}};
        double[] m = {0, 0};
        double expected = closedForm2x2(m, c1, m, c2);
        assertEquals(expected, FrechetDistance.between(new GaussianStatistics(m, c1, 50),
                new GaussianStatistics(m, c2, 50)), 1e-9);
        // features of a 3-d space that live on a 1-d line, plus a dead feature that is always zero: 5 samples in
        // 8 dimensions. Against itself the distance is 0; shifted along the line, exactly the squared shift.
        double[][] x = new double[5][8];
        double[][] y = new double[5][8];
        for (int i = 0; i < 5; i++) {
            for (int j = 0; j < 7; j++) {
                x[i][j] = (i - 2) * (j + 1) * 0.1;
                y[i][j] = x[i][j] + 0.5;
            }
        }
        GaussianStatistics sx = GaussianStatistics.of(x);
        GaussianStatistics sy = GaussianStatistics.of(y);
        // (zero eigenvalues come out as ±1e-15, whose square roots are 1e-8: hence the tolerance)
        assertEquals(0, FrechetDistance.between(sx, sx), 1e-6);
        assertEquals(7 * 0.25, FrechetDistance.between(sx, sy), 1e-6);
    }

    private static double[][] times(double[][] l) {
        double[][] c = new double[2][2];
        for (int a = 0; a < 2; a++) {
            for (int b = 0; b < 2; b++) {
                for (int k = 0; k < 2; k++) {
                    c[a][b] += l[a][k] * l[b][k];
                }
            }
        }
        return c;
    }
}
