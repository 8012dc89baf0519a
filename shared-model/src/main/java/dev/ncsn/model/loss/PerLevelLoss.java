package dev.ncsn.model.loss;

import ai.djl.ndarray.NDArray;

import java.util.Arrays;

/**
 * A per-sample loss broken down by noise level, for logging.
 *
 * @param mean  mean loss of the samples at each 0-based level, NaN where a level had no sample
 * @param count number of samples at each level
 */
public record PerLevelLoss(double[] mean, int[] count) {

    /** Groups {@code perSample[i]} by {@code levels[i]}. */
    public static PerLevelLoss of(float[] perSample, int[] levels, int numLevels) {
        if (perSample.length != levels.length) {
            throw new IllegalArgumentException(perSample.length + " losses for " + levels.length + " levels");
        }
        double[] sum = new double[numLevels];
        int[] count = new int[numLevels];
        for (int i = 0; i < levels.length; i++) {
            sum[levels[i]] += perSample[i];
            count[levels[i]]++;
        }
        for (int l = 0; l < numLevels; l++) {
            sum[l] = count[l] == 0 ? Double.NaN : sum[l] / count[l];
        }
        return new PerLevelLoss(sum, count);
    }

    /** As {@link #of(float[], int[], int)} for a float32 [N] array (copied to the JVM, not closed). */
    public static PerLevelLoss of(NDArray perSample, int[] levels, int numLevels) {
        return of(perSample.toFloatArray(), levels, numLevels);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof PerLevelLoss p && Arrays.equals(mean, p.mean) && Arrays.equals(count, p.count);
    }

    @Override
    public int hashCode() {
        return 31 * Arrays.hashCode(mean) + Arrays.hashCode(count);
    }

    @Override
    public String toString() {
        return "PerLevelLoss" + Arrays.toString(mean);
    }
}
