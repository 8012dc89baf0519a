package dev.ncsn.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ncsn.model.data.ByteDataset;
import dev.ncsn.model.data.MnistReader;
import dev.ncsn.model.quality.ClassifierTraining;
import dev.ncsn.model.quality.FeatureClassifier;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.time.Instant;
import java.util.Locale;
import java.util.concurrent.Callable;

/**
 * `ncsn train-classifier`: trains the Fashion-MNIST classifier whose features `ncsn evaluate` measures in, and
 * writes it with its test accuracy. Repeatable from the seed.
 */
@Command(name = "train-classifier", mixinStandardHelpOptions = true,
        description = "Train the small Fashion-MNIST classifier that `ncsn evaluate` measures FID, KID and the "
                + "Inception-style score with.")
final class TrainClassifierCommand implements Callable<Integer> {

    @Option(names = "--data", description = "Directory with the IDX files train-images/-labels and t10k-images/-labels. Default: "
            + "/usr/share/datasets/fashion-mnist")
    Path data = QualityPaths.FASHION_MNIST;

    @Option(names = "--out", description = "Directory to write (replaced). Default: models/fashion-mnist-classifier in the repository")
    Path out;

    @Option(names = "--epochs", defaultValue = "5", description = "Passes over the training set. Default: ${DEFAULT-VALUE}")
    int epochs;

    @Option(names = "--batch", defaultValue = "128", description = "Batch size. Default: ${DEFAULT-VALUE}")
    int batch;

    @Option(names = "--lr", defaultValue = "1e-3", description = "Adam learning rate. Default: ${DEFAULT-VALUE}")
    double learningRate;

    @Option(names = "--seed", defaultValue = "0", description = "Seed of the initial weights and the data order. Default: ${DEFAULT-VALUE}")
    long seed;

    @Override
    public Integer call() {
        Path target = out != null ? out : QualityPaths.shippedClassifier();
        ByteDataset train = MnistReader.read(data, "train");
        int[] trainLabels = MnistReader.readLabels(data, "train");
        ByteDataset test = MnistReader.read(data, "t10k");
        int[] testLabels = MnistReader.readLabels(data, "t10k");
        var config = new ClassifierTraining.Config(epochs, batch, learningRate, seed);
        var architecture = FeatureClassifier.Architecture.FASHION_MNIST;
        System.err.printf("train-classifier: %,d training images, %,d test images, %,d parameters, %d epochs%n",
                train.size(), test.size(), architecture.parameterCount(), epochs);
        long started = System.nanoTime();
        try (FeatureClassifier net = FeatureClassifier.create(architecture, FeatureClassifier.FASHION_MNIST_CLASSES,
                seed)) {
            Progress progress = new Progress("train-classifier", ClassifierTraining.steps(train.size(), config));
            double[] smoothed = {Double.NaN};
            double lastEpochLoss = ClassifierTraining.train(net, train, trainLabels, config, (epoch, step, total, loss) -> {
                smoothed[0] = Double.isNaN(smoothed[0]) ? loss : 0.95 * smoothed[0] + 0.05 * loss;
                progress.update(step, String.format(Locale.ROOT, "epoch %d/%d loss %.3f", epoch + 1, epochs,
                        smoothed[0]));
            });
            double seconds = (System.nanoTime() - started) / 1e9;
            double testAccuracy = net.accuracy(test, testLabels);
            double trainAccuracy = net.accuracy(train, trainLabels);
            ObjectNode info = new ObjectMapper().createObjectNode();
            info.put("data", data.toString());
            info.put("trainImages", train.size());
            info.put("testImages", test.size());
            info.put("epochs", epochs);
            info.put("batch", batch);
            info.put("learningRate", learningRate);
            info.put("seed", seed);
            info.put("steps", ClassifierTraining.steps(train.size(), config));
            info.put("lastEpochLoss", lastEpochLoss);
            info.put("trainAccuracy", trainAccuracy);
            info.put("testAccuracy", testAccuracy);
            info.put("trainingSeconds", Math.round(seconds * 10) / 10.0);
            info.put("created", Instant.now().toString());
            info.put("command", String.format(Locale.ROOT, "./ncsn train-classifier --epochs %d --batch %d --lr %s --seed %d",
                    epochs, batch, learningRate, seed));
            net.write(target, info);
            System.err.printf(Locale.ROOT, "train-classifier: test accuracy %.4f, train accuracy %.4f, %.0f s; wrote %s%n",
                    testAccuracy, trainAccuracy, seconds, target);
            ObjectNode line = info.deepCopy();
            line.put("out", target.toString());
            System.out.println(line);
        }
        return 0;
    }
}
