package dev.ncsn.model.quality;

import dev.ncsn.model.data.Dataset;

import java.util.Objects;

/**
 * Scores sets of images against a reference set (for Fashion-MNIST: its 10,000 test images) in the feature space
 * of a {@link FeatureClassifier}: FID, KID, the Inception-style score and the class histogram. The reference's
 * features and statistics are computed once, at construction.
 */
public final class QualityMeter {

    /**
     * How the figures are estimated.
     *
     * @param kidSubsets     subsets KID is averaged over
     * @param kidSubsetSize  their size (capped by the smaller set)
     * @param scoreSplits    splits of the Inception-style score
     * @param seed           seed of the KID subsets
     */
    public record Settings(int kidSubsets, int kidSubsetSize, int scoreSplits, long seed) {

        public static Settings defaults() {
            return new Settings(KernelInceptionDistance.DEFAULT_SUBSETS, KernelInceptionDistance.DEFAULT_SUBSET_SIZE,
                    InceptionScore.DEFAULT_SPLITS, 0);
        }
    }

    /**
     * The figures of one set of images.
     *
     * @param count          images scored
     * @param fid            Fréchet distance of their features to the reference's
     * @param kid            the unbiased MMD² of their features to the reference's, over random subsets
     * @param inceptionScore the classifier's Inception-style score of the images
     * @param histogram      images per predicted class
     */
    public record Report(int count, double fid, KernelInceptionDistance.Estimate kid,
                         InceptionScore.Estimate inceptionScore, ClassHistogram histogram) {
    }

    private final FeatureClassifier classifier;
    private final String referenceSource;
    private final FeatureClassifier.Outputs reference;
    private final GaussianStatistics referenceStatistics;

    /** {@code classifier} stays the caller's to close. */
    public QualityMeter(FeatureClassifier classifier, Dataset referenceImages) {
        this(classifier, referenceImages, referenceImages.size());
    }

    /** Against the first {@code count} images of {@code referenceImages} (all when it has fewer). */
    public QualityMeter(FeatureClassifier classifier, Dataset referenceImages, int count) {
        this.classifier = Objects.requireNonNull(classifier, "classifier");
        classifier.checkShape(referenceImages);
        int n = Math.min(count, referenceImages.size());
        this.referenceSource = n == referenceImages.size() ? referenceImages.source()
                : "the first " + n + " images of " + referenceImages.source();
        this.reference = n == referenceImages.size() ? classifier.evaluate(referenceImages)
                : classifier.evaluate(referenceImages.batch(java.util.stream.IntStream.range(0, n).toArray()), n);
        this.referenceStatistics = GaussianStatistics.of(reference.features());
    }

    public FeatureClassifier classifier() {
        return classifier;
    }

    public String referenceSource() {
        return referenceSource;
    }

    public int referenceCount() {
        return reference.count();
    }

    /** The reference set's own figures (its FID is 0 by definition; its score and histogram are the targets). */
    public Report referenceReport(Settings settings) {
        return report(reference, settings);
    }

    /** Scores {@code count} images (floats in [0, 1], clamped there; (C, H, W) each, one after another). */
    public Report measure(float[] images, int count, Settings settings) {
        return report(classifier.evaluate(images, count), settings);
    }

    /** Only the FID of {@code count} images (floats in [0, 1], (C, H, W) each): what a promotion gate compares. */
    public double fid(float[] images, int count) {
        return FrechetDistance.between(GaussianStatistics.of(classifier.evaluate(images, count).features()),
                referenceStatistics);
    }

    /** Scores a data set's images. */
    public Report measure(Dataset images, Settings settings) {
        return report(classifier.evaluate(images), settings);
    }

    private Report report(FeatureClassifier.Outputs outputs, Settings settings) {
        double fid = FrechetDistance.between(GaussianStatistics.of(outputs.features()), referenceStatistics);
        var kid = KernelInceptionDistance.estimate(outputs.features(), reference.features(), settings.kidSubsets(),
                settings.kidSubsetSize(), settings.seed());
        var score = InceptionScore.estimate(outputs.probabilities(), settings.scoreSplits());
        var histogram = ClassHistogram.of(outputs.probabilities(), classifier.architecture().classes());
        return new Report(outputs.count(), fid, kid, score, histogram);
    }
}
