package dev.ncsn.model.quality;

import java.util.Arrays;

/**
 * How many images a classifier puts in each class (its most probable one): a generator that drops or favours
 * classes shows here before it shows in FID.
 *
 * @param counts images per class
 */
public record ClassHistogram(int[] counts) {

    public ClassHistogram {
        counts = counts.clone();
    }

    /** The histogram of the arg-max classes of {@code probabilities} ([n][classes]). */
    public static ClassHistogram of(double[][] probabilities, int classes) {
        int[] counts = new int[classes];
        for (double[] p : probabilities) {
            if (p.length != classes) {
                throw new IllegalArgumentException("a prediction over " + p.length + " classes, expected " + classes);
            }
            int best = 0;
            for (int c = 1; c < classes; c++) {
                if (p[c] > p[best]) {
                    best = c;
                }
            }
            counts[best]++;
        }
        return new ClassHistogram(counts);
    }

    @Override
    public int[] counts() {
        return counts.clone();
    }

    public int total() {
        return Arrays.stream(counts).sum();
    }

    /** Fraction of the images in each class. */
    public double[] fractions() {
        int total = total();
        return Arrays.stream(counts).mapToDouble(c -> total == 0 ? 0 : (double) c / total).toArray();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ClassHistogram h && Arrays.equals(counts, h.counts);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(counts);
    }

    @Override
    public String toString() {
        return "ClassHistogram" + Arrays.toString(counts);
    }
}
