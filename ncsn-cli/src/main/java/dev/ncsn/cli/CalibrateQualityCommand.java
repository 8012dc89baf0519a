package dev.ncsn.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ncsn.model.data.ByteDataset;
import dev.ncsn.model.data.MnistReader;
import dev.ncsn.model.quality.FeatureClassifier;
import dev.ncsn.model.quality.QualityMeter;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;

/**
 * `ncsn calibrate-quality`: what the quality figures read for sets whose quality is known — real training images,
 * the same with Gaussian noise or blur, one class only, uniform noise — at several sample sizes, each size drawn
 * {@code --repeats} times, all against the test set. Prints one JSON line per condition and size (mean and spread
 * over the repeats) and a table on stderr.
 */
@Command(name = "calibrate-quality", mixinStandardHelpOptions = true,
        description = "Calibrate `ncsn evaluate`: FID, KID and the Inception-style score of real, noisy, blurred, "
                + "one-class and uniform-noise images against the test set, at several sample sizes.")
final class CalibrateQualityCommand implements Callable<Integer> {

    @Option(names = "--data", description = "Fashion-MNIST IDX directory (train and t10k). Default: /usr/share/datasets/fashion-mnist")
    Path data = QualityPaths.FASHION_MNIST;

    @Option(names = "--classifier", description = "Classifier directory. Default: models/fashion-mnist-classifier in the repository")
    Path classifier;

    @Option(names = "--sizes", split = ",", defaultValue = "1000", description = "Sample sizes. Default: ${DEFAULT-VALUE}")
    int[] sizes;

    @Option(names = "--repeats", defaultValue = "3", description = "Independent draws per size. Default: ${DEFAULT-VALUE}")
    int repeats;

    @Option(names = "--conditions", split = ",",
            defaultValue = "train,noise-0.05,noise-0.1,noise-0.2,blur-0.5,blur-1.0,one-class-0,uniform",
            description = "train, noise-SIGMA (Gaussian, clipped to [0, 1]), blur-SIGMA (Gaussian blur, σ in pixels), "
                    + "one-class-K (training images of class K), uniform (U[0, 1] pixels). Default: ${DEFAULT-VALUE}")
    List<String> conditions;

    @Option(names = "--kid-subsets", defaultValue = "20", description = "KID subsets per figure. Default: ${DEFAULT-VALUE}")
    int kidSubsets;

    @Option(names = "--seed", defaultValue = "0", description = "Seed of the draws and the noise. Default: ${DEFAULT-VALUE}")
    long seed;

    @Override
    public Integer call() {
        ByteDataset train = MnistReader.read(data, "train");
        int[] labels = MnistReader.readLabels(data, "train");
        ByteDataset test = MnistReader.read(data, "t10k");
        Path classifierDir = classifier != null ? classifier : QualityPaths.shippedClassifier();
        try (FeatureClassifier net = FeatureClassifier.read(classifierDir)) {
            QualityMeter meter = new QualityMeter(net, test);
            QualityMeter.Report ref = meter.referenceReport(new QualityMeter.Settings(kidSubsets, 1000, 10, seed));
            System.err.printf(Locale.ROOT, "calibrate-quality: test set itself: IS %.3f, classes %s%n",
                    ref.inceptionScore().mean(), Arrays.toString(ref.histogram().counts()));
            System.err.printf("%-14s %6s  %-18s %-18s %-14s%n", "condition", "n", "FID", "KID×10³", "IS");
            int per = train.valuesPerImage();
            for (String condition : conditions) {
                int[] pool = pool(condition, labels);
                for (int n : sizes) {
                    if (n > pool.length) {
                        System.err.printf("%-14s %6d  skipped: only %d images%n", condition, n, pool.length);
                        continue;
                    }
                    double[][] figures = new double[3][repeats];
                    for (int r = 0; r < repeats; r++) {
                        SplittableRandom random = new SplittableRandom(seed * 1_000_003L + 31L * n + r);
                        int[] chosen = choose(pool, n, random);
                        float[] images = corrupt(condition, train.batch(chosen), n, train.height(), train.width(),
                                random);
                        var report = meter.measure(images, n, new QualityMeter.Settings(kidSubsets, 1000, 10,
                                seed + r));
                        figures[0][r] = report.fid();
                        figures[1][r] = report.kid().mean();
                        figures[2][r] = report.inceptionScore().mean();
                    }
                    ObjectNode line = QualityJson.JSON.createObjectNode();
                    line.put("condition", condition);
                    line.put("count", n);
                    line.put("repeats", repeats);
                    line.put("kidSubsets", kidSubsets);
                    putStat(line, "fid", figures[0], 4);
                    putStat(line, "kid", figures[1], 6);
                    putStat(line, "inceptionScore", figures[2], 4);
                    System.out.println(line);
                    System.err.printf(Locale.ROOT, "%-14s %6d  %8.3f ± %-7.3f %8.3f ± %-7.3f %6.3f ± %.3f%n", condition,
                            n, mean(figures[0]), std(figures[0]), 1e3 * mean(figures[1]), 1e3 * std(figures[1]),
                            mean(figures[2]), std(figures[2]));
                }
            }
        }
        return 0;
    }

    /** The training images a condition draws from. */
    private static int[] pool(String condition, int[] labels) {
        if (condition.startsWith("one-class-")) {
            int k = Integer.parseInt(condition.substring("one-class-".length()));
            return java.util.stream.IntStream.range(0, labels.length).filter(i -> labels[i] == k).toArray();
        }
        return java.util.stream.IntStream.range(0, labels.length).toArray();
    }

    private static int[] choose(int[] pool, int n, SplittableRandom random) {
        int[] copy = pool.clone();
        for (int i = 0; i < n; i++) {
            int j = i + random.nextInt(copy.length - i);
            int t = copy[i];
            copy[i] = copy[j];
            copy[j] = t;
        }
        return Arrays.copyOf(copy, n);
    }

    private static float[] corrupt(String condition, float[] images, int n, int h, int w, SplittableRandom random) {
        if (condition.equals("train") || condition.startsWith("one-class-")) {
            return images;
        }
        if (condition.equals("uniform")) {
            for (int i = 0; i < images.length; i++) {
                images[i] = (float) random.nextDouble();
            }
            return images;
        }
        if (condition.startsWith("noise-")) {
            double sigma = Double.parseDouble(condition.substring("noise-".length()));
            for (int i = 0; i < images.length; i++) {
                images[i] = (float) Math.max(0, Math.min(1, images[i] + sigma * random.nextGaussian()));
            }
            return images;
        }
        if (condition.startsWith("blur-")) {
            return blur(images, n, h, w, Double.parseDouble(condition.substring("blur-".length())));
        }
        throw new IllegalArgumentException("unknown condition " + condition
                + "; use train, noise-SIGMA, blur-SIGMA, one-class-K or uniform");
    }

    /** Separable Gaussian blur (radius ⌈3σ⌉, edges repeated), one-channel images. */
    static float[] blur(float[] images, int n, int h, int w, double sigma) {
        int radius = (int) Math.ceil(3 * sigma);
        double[] kernel = new double[2 * radius + 1];
        double sum = 0;
        for (int k = -radius; k <= radius; k++) {
            kernel[k + radius] = Math.exp(-k * k / (2 * sigma * sigma));
            sum += kernel[k + radius];
        }
        for (int k = 0; k < kernel.length; k++) {
            kernel[k] /= sum;
        }
        float[] out = new float[images.length];
        float[] rows = new float[h * w];
        for (int i = 0; i < n; i++) {
            int base = i * h * w;
            for (int y = 0; y < h; y++) {
                for (int x = 0; x < w; x++) {
                    double v = 0;
                    for (int k = -radius; k <= radius; k++) {
                        v += kernel[k + radius] * images[base + y * w + Math.max(0, Math.min(w - 1, x + k))];
                    }
                    rows[y * w + x] = (float) v;
                }
            }
            for (int y = 0; y < h; y++) {
                for (int x = 0; x < w; x++) {
                    double v = 0;
                    for (int k = -radius; k <= radius; k++) {
                        v += kernel[k + radius] * rows[Math.max(0, Math.min(h - 1, y + k)) * w + x];
                    }
                    out[base + y * w + x] = (float) v;
                }
            }
        }
        return out;
    }

    private static void putStat(ObjectNode line, String name, double[] values, int digits) {
        line.put(name, QualityJson.round(mean(values), digits));
        line.put(name + "Std", QualityJson.round(std(values), digits));
        var all = line.putArray(name + "Values");
        for (double v : values) {
            all.add(QualityJson.round(v, digits));
        }
    }

    private static double mean(double[] v) {
        return Arrays.stream(v).average().orElse(Double.NaN);
    }

    private static double std(double[] v) {
        if (v.length < 2) {
            return 0;
        }
        double m = mean(v);
        return Math.sqrt(Arrays.stream(v).map(x -> (x - m) * (x - m)).sum() / (v.length - 1));
    }
}
