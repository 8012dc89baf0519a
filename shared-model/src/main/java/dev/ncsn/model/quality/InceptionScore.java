package dev.ncsn.model.quality;

/**
 * The Inception score (Salimans et al. 2016, "Improved techniques for training GANs") of a classifier's predictions
 * p(y | x) for a set of images: exp(E_x KL(p(y | x) ‖ p(y))) with p(y) the mean prediction. It is 1 when every image
 * gets the same prediction and at most the number of classes, reached when each prediction is certain and the
 * classes are equally frequent. As in the paper it is computed on {@code splits} equal parts and averaged.
 */
public final class InceptionScore {

    /** The paper's 10 splits. */
    public static final int DEFAULT_SPLITS = 10;

    /** @param mean the score averaged over the splits; @param std its standard deviation over them */
    public record Estimate(double mean, double std, int splits) {
    }

    private InceptionScore() {
    }

    /** The score of all predictions together (one split). */
    public static double of(double[][] probabilities) {
        return of(probabilities, 0, probabilities.length);
    }

    /**
     * Mean and spread over {@code splits} consecutive parts (sizes differ by at most one). Fewer splits than
     * asked when there are fewer predictions than splits.
     */
    public static Estimate estimate(double[][] probabilities, int splits) {
        int n = probabilities.length;
        if (splits < 1) {
            throw new IllegalArgumentException("at least one split, got " + splits);
        }
        int k = Math.min(splits, n);
        if (k < 1) {
            throw new IllegalArgumentException("no predictions");
        }
        double sum = 0;
        double sumSquares = 0;
        for (int s = 0; s < k; s++) {
            int from = (int) ((long) n * s / k);
            int to = (int) ((long) n * (s + 1) / k);
            double v = of(probabilities, from, to);
            sum += v;
            sumSquares += v * v;
        }
        double mean = sum / k;
        double variance = k > 1 ? Math.max(0, (sumSquares - k * mean * mean) / (k - 1)) : 0;
        return new Estimate(mean, Math.sqrt(variance), k);
    }

    private static double of(double[][] p, int from, int to) {
        if (to <= from) {
            throw new IllegalArgumentException("no predictions");
        }
        int classes = p[from].length;
        double[] marginal = new double[classes];
        for (int i = from; i < to; i++) {
            if (p[i].length != classes) {
                throw new IllegalArgumentException("predictions over different numbers of classes");
            }
            for (int c = 0; c < classes; c++) {
                marginal[c] += p[i][c];
            }
        }
        for (int c = 0; c < classes; c++) {
            marginal[c] /= to - from;
        }
        double kl = 0;
        for (int i = from; i < to; i++) {
            for (int c = 0; c < classes; c++) {
                double pc = p[i][c];
                if (pc > 0) {
                    kl += pc * (Math.log(pc) - Math.log(marginal[c]));
                }
            }
        }
        return Math.exp(kl / (to - from));
    }
}
