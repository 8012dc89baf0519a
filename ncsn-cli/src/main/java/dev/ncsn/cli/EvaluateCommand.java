package dev.ncsn.cli;

import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ncsn.model.checkpoint.Checkpoint;
import dev.ncsn.model.checkpoint.LoadedCheckpoint;
import dev.ncsn.model.data.ByteDataset;
import dev.ncsn.model.data.ImageFolderReader;
import dev.ncsn.model.data.MnistReader;
import dev.ncsn.model.image.ImageGrid;
import dev.ncsn.model.TrainableScoreModel;
import dev.ncsn.model.net.ScoreNetworks;
import dev.ncsn.model.quality.FeatureClassifier;
import dev.ncsn.model.quality.QualityMeter;
import dev.ncsn.model.quality.SampleDraw;
import dev.ncsn.model.sampling.SamplingDefaults;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;

/**
 * `ncsn evaluate`: FID, KID, the Inception-style score and the class histogram of samples, against the Fashion-MNIST
 * test set, in the feature space of the shipped classifier. The samples come from a folder of images or are drawn
 * from a checkpoint here.
 */
@Command(name = "evaluate", mixinStandardHelpOptions = true,
        description = "Score samples against the Fashion-MNIST test set: FID, KID, Inception-style score and class "
                + "histogram, in the features of the project's classifier. Samples a checkpoint, or reads a folder "
                + "of images. One JSON line on stdout, a summary on stderr.")
final class EvaluateCommand implements Callable<Integer> {

    static final class Source {
        @Option(names = "--checkpoint", required = true, description = "Sample this checkpoint (directory, or a `ncsn train` output directory)")
        Path checkpoint;

        @Option(names = "--images", required = true, description = "Score the images (PNG/JPEG, one per file) of this folder")
        Path images;
    }

    @ArgGroup(exclusive = true, multiplicity = "1")
    Source source;

    @Option(names = "--count", defaultValue = "1000", description = "Samples to draw from the checkpoint. Default: ${DEFAULT-VALUE}")
    int count;

    @Option(names = "--seed", defaultValue = "0", description = "Sampling seed (batch k uses seed + k) and KID subsets' seed. Default: ${DEFAULT-VALUE}")
    long seed;

    @Option(names = "--batch", defaultValue = "100", description = "Samples drawn together. Default: ${DEFAULT-VALUE}")
    int batch;

    @picocli.CommandLine.Mixin
    SamplerChoice samplerChoice;

    @Option(names = "--steps-per-level", description = "T, the sampler's steps at each noise level: Langevin steps, "
            + "or predictor steps each with its corrector steps. Default: the checkpoint's (NCSN: the paper's 100; "
            + "NCSNv2: 5, as its schedule was designed)")
    Integer stepsPerLevel;

    @Option(names = "--step-size", description = "ε of Algorithm 1. Default: the checkpoint's (NCSN: 4e-5, the "
            + "reference code's step_lr 2e-5 × 2; NCSNv2: Technique 4's ε for the chosen T on its levels)")
    Double stepSize;

    @Option(names = "--final-denoise", negatable = true, description = "NCSNv2's final denoising step. Default: on for "
            + "NCSNv2 checkpoints, off for NCSN ones (the network family's choice)")
    Boolean finalDenoise;

    @Option(names = "--save-samples", description = "Also write the drawn samples to this folder as PNGs (score them again with --images)")
    Path saveSamples;

    @Option(names = "--reference", description = "Directory with t10k-images-idx3-ubyte[.gz]. Default: /usr/share/datasets/fashion-mnist")
    Path reference = QualityPaths.FASHION_MNIST;

    @Option(names = "--classifier", description = "Classifier directory. Default: models/fashion-mnist-classifier in the repository")
    Path classifier;

    @Option(names = "--kid-subsets", defaultValue = "100", description = "Subsets KID is averaged over. Default: ${DEFAULT-VALUE}")
    int kidSubsets;

    @Option(names = "--kid-subset-size", defaultValue = "1000", description = "Their size (capped by the sample count). Default: ${DEFAULT-VALUE}")
    int kidSubsetSize;

    @Option(names = "--splits", defaultValue = "10", description = "Splits of the Inception-style score. Default: ${DEFAULT-VALUE}")
    int splits;

    @Override
    public Integer call() throws IOException {
        if (count < 2 || batch < 1) {
            throw new IllegalArgumentException("--count must be at least 2 and --batch at least 1");
        }
        Path classifierDir = classifier != null ? classifier : QualityPaths.shippedClassifier();
        ByteDataset test = MnistReader.read(reference, "t10k");
        try (FeatureClassifier net = FeatureClassifier.read(classifierDir)) {
            QualityMeter meter = new QualityMeter(net, test);
            ObjectNode line = QualityJson.JSON.createObjectNode();
            float[] images;
            int n;
            if (source.images != null) {
                ByteDataset folder = ImageFolderReader.read(source.images,
                        ImageFolderReader.Options.none().withChannels(net.architecture().channels()));
                line.put("images", source.images.toString());
                n = folder.size();
                int[] all = java.util.stream.IntStream.range(0, n).toArray();
                images = folder.batch(all);
                if (folder.height() != net.architecture().height() || folder.width() != net.architecture().width()) {
                    throw new IllegalArgumentException(source.images + " holds " + folder.width() + "×"
                            + folder.height() + " images; the classifier takes " + net.architecture().width() + "×"
                            + net.architecture().height());
                }
            } else {
                n = count;
                long started = System.nanoTime();
                images = sample(line, net.architecture());
                double seconds = (System.nanoTime() - started) / 1e9;
                line.put("samplingSeconds", QualityJson.round(seconds, 1));
                line.put("secondsPerImage", QualityJson.round(seconds / n, 3));
                if (saveSamples != null) {
                    writeSamples(images, n, net.architecture());
                    line.put("savedSamples", saveSamples.toString());
                }
            }
            QualityMeter.Report report = meter.measure(images, n,
                    new QualityMeter.Settings(kidSubsets, kidSubsetSize, splits, seed));
            line.put("reference", reference.toString());
            line.put("referenceSplit", "t10k");
            line.put("referenceCount", meter.referenceCount());
            line.put("classifier", classifierDir.toString());
            line.put("classifierTestAccuracy", net.info().path("testAccuracy").asDouble());
            QualityJson.put(line, report, net.classNames());
            System.err.println("evaluate: " + QualityJson.summary(report, net.classNames()));
            System.out.println(line);
        }
        return 0;
    }

    /**
     * Draws the samples from the checkpoint with shared-model's {@link SampleDraw} (batches of {@code --batch} with
     * seeds seed, seed + 1, …, quantised to 8 bits), on the network its manifest names; records the settings in
     * {@code line}.
     */
    private float[] sample(ObjectNode line, FeatureClassifier.Architecture takes) {
        LoadedCheckpoint loaded = Checkpoint.read(CheckpointDirectory.resolve(source.checkpoint));
        var manifest = loaded.manifest();
        var shape = manifest.dataShape();
        if (shape.channels() != takes.channels() || shape.height() != takes.height() || shape.width() != takes.width()) {
            throw new IllegalArgumentException(source.checkpoint + " makes " + shape.channels() + "×" + shape.height()
                    + "×" + shape.width() + " images; the classifier takes " + takes.channels() + "×" + takes.height()
                    + "×" + takes.width());
        }
        SamplingDefaults chosen = ScoreNetworks.samplingDefaults(manifest.architecture(), manifest.schedule())
                .overriddenBy(stepsPerLevel, stepSize, finalDenoise);
        boolean denoise = chosen.finalDenoise();
        int steps = chosen.stepsPerLevel();
        double epsilon = chosen.stepSize();
        SampleDraw draw = new SampleDraw(count, batch, seed, samplerChoice.sampler(), steps, epsilon, denoise);
        line.put("checkpoint", source.checkpoint.toString());
        line.put("model", manifest.modelName());
        line.put("version", manifest.versionId());
        line.put("family", manifest.architecture().family());
        line.put("stepsPerLevel", steps);
        line.put("stepSize", epsilon);
        line.put("finalDenoise", denoise);
        line.put("seed", seed);
        try (NDManager manager = NDManager.newBaseManager();
             TrainableScoreModel scoreNet = loaded.newNetwork(manager)) {
            int stepsPerSample = draw.networkEvaluations(scoreNet);
            SamplerChoice.report(line, draw.sampler(), stepsPerSample);
            Progress progress = new Progress("sampling", (long) stepsPerSample * count);
            return draw.draw(scoreNet, (done, from, size, frame) -> progress.update(done,
                    String.format(Locale.ROOT, "images %d–%d of %d, level %d/%d", from + 1, from + size, count,
                            frame.level(), frame.levels())));
        }
    }

    private void writeSamples(float[] images, int n, FeatureClassifier.Architecture a) throws IOException {
        Files.createDirectories(saveSamples);
        int per = a.valuesPerImage();
        for (int i = 0; i < n; i++) {
            float[] one = new float[per];
            System.arraycopy(images, i * per, one, 0, per);
            Files.write(saveSamples.resolve(String.format(Locale.ROOT, "sample-%05d.png", i)),
                    ImageGrid.Png.encode(single(one, a)));
        }
    }

    /** One image, no padding (ImageGrid's layout with one column would add a border). */
    private static java.awt.image.BufferedImage single(float[] v, FeatureClassifier.Architecture a) {
        var image = new java.awt.image.BufferedImage(a.width(), a.height(), java.awt.image.BufferedImage.TYPE_BYTE_GRAY);
        var raster = image.getRaster();
        for (int y = 0; y < a.height(); y++) {
            for (int x = 0; x < a.width(); x++) {
                float f = Math.max(0f, Math.min(1f, v[y * a.width() + x]));
                raster.setSample(x, y, 0, Math.round(f * 255));
            }
        }
        return image;
    }
}
