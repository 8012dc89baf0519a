package dev.ncsn.model.quality;

import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class KernelInceptionDistanceTest {

    private static double[][] gaussian(int n, int d, double shift, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        double[][] out = new double[n][d];
        for (double[] row : out) {
            for (int j = 0; j < d; j++) {
                row[j] = random.nextGaussian() + shift;
            }
        }
        return out;
    }

    @Test
    void isUnbiasedForTwoSamplesOfOneDistribution() {
        // The unbiased estimator averages to 0 for one distribution even at small sizes, where the biased V-statistic
        // (which keeps the i = j terms) is clearly positive.
        int trials = 200;
        int m = 20;
        int d = 8;
        double sum = 0;
        double sumSquares = 0;
        double biased = 0;
        for (int t = 0; t < trials; t++) {
            double[][] x = gaussian(m, d, 0, 2L * t);
            double[][] y = gaussian(m, d, 0, 2L * t + 1);
            double v = KernelInceptionDistance.unbiasedMmd2(x, y);
            sum += v;
            sumSquares += v * v;
            biased += v + diagonalExcess(x) + diagonalExcess(y);
        }
        double mean = sum / trials;
        double standardError = Math.sqrt((sumSquares / trials - mean * mean) / trials);
        assertTrue(Math.abs(mean) < 3 * standardError, "mean " + mean + " ± " + standardError);
        assertTrue(biased / trials > 10 * standardError, "the biased estimate " + biased / trials);
    }

    /** What the V-statistic adds: (1/m²)Σ_i k(x_i, x_i) − the U-statistic's normalisation difference. */
    private static double diagonalExcess(double[][] x) {
        int m = x.length;
        int d = x[0].length;
        double diag = 0;
        double off = 0;
        for (int i = 0; i < m; i++) {
            diag += KernelInceptionDistance.kernel(x[i], x[i], d);
            for (int j = 0; j < m; j++) {
                if (i != j) {
                    off += KernelInceptionDistance.kernel(x[i], x[j], d);
                }
            }
        }
        return (diag + off) / ((double) m * m) - off / ((double) m * (m - 1));
    }

    @Test
    void isPositiveAndGrowsWithTheShift() {
        double[][] x = gaussian(300, 16, 0, 1);
        double small = KernelInceptionDistance.estimate(x, gaussian(300, 16, 0.2, 2), 10, 100, 0).mean();
        double large = KernelInceptionDistance.estimate(x, gaussian(300, 16, 0.6, 3), 10, 100, 0).mean();
        double same = KernelInceptionDistance.estimate(x, gaussian(300, 16, 0, 4), 10, 100, 0).mean();
        assertTrue(small > 0, "small shift " + small);
        assertTrue(large > small, "large shift " + large + " vs small " + small);
        assertTrue(Math.abs(same) < small / 3, "same distribution " + same + " vs small shift " + small);
    }

    @Test
    void matchesTheKernelDefinition() {
        // one pair of 2-vectors in d = 1: k(a, b) = (ab + 1)³
        double[][] x = {{1}, {2}};
        double[][] y = {{0}, {-1}};
        double kxx = Math.pow(1 * 2 + 1, 3);
        double kyy = Math.pow(0 + 1, 3);
        double kxy = Math.pow(0 + 1, 3) + Math.pow(-1 + 1, 3) + Math.pow(0 + 1, 3) + Math.pow(-2 + 1, 3);
        assertEquals(kxx + kyy - kxy / 2, KernelInceptionDistance.unbiasedMmd2(x, y), 1e-12);
    }

    @Test
    void subsetsAreCappedBySmallerSetsAndSeedsRepeat() {
        double[][] x = gaussian(50, 4, 0, 1);
        double[][] y = gaussian(80, 4, 0.5, 2);
        var a = KernelInceptionDistance.estimate(x, y, 5, 1000, 7);
        var b = KernelInceptionDistance.estimate(x, y, 5, 1000, 7);
        assertEquals(50, a.subsetSize());
        assertEquals(a, b);
    }
}
