package dev.ncsn.model.quality;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import dev.ncsn.model.OwnedArrays;
import dev.ncsn.model.data.Dataset;
import dev.ncsn.model.train.Adam;

import java.util.SplittableRandom;

/**
 * Trains a {@link FeatureClassifier} by cross-entropy with Adam, in epochs over a shuffled training set, batch by
 * batch. Everything random (initial weights in {@link FeatureClassifier#create}, the order of every epoch) comes
 * from the seed, so a run is repeatable.
 */
public final class ClassifierTraining {

    /**
     * @param epochs       passes over the training set
     * @param batch        images per step
     * @param learningRate Adam's (β 0.9 / 0.999, ε 10⁻⁸)
     * @param seed         the data order's seed (and, by convention, the initial weights')
     */
    public record Config(int epochs, int batch, double learningRate, long seed) {

        /** What the shipped classifier was trained with. */
        public static Config defaults(long seed) {
            return new Config(5, 128, 1e-3, seed);
        }

        public Config {
            if (epochs < 1 || batch < 1 || !(learningRate > 0)) {
                throw new IllegalArgumentException("epochs and batch must be at least 1 and the learning rate"
                        + " positive: " + epochs + ", " + batch + ", " + learningRate);
            }
        }
    }

    /** Told after every step. */
    @FunctionalInterface
    public interface StepListener {
        void step(int epoch, long step, long totalSteps, double loss);
    }

    private ClassifierTraining() {
    }

    /** Steps {@link #train} takes. */
    public static long steps(int images, Config config) {
        return (long) config.epochs() * ((images + config.batch() - 1) / config.batch());
    }

    /** Trains {@code net} in place on {@code images} with their {@code labels}; returns the mean loss of the last epoch. */
    public static double train(FeatureClassifier net, Dataset images, int[] labels, Config config,
                               StepListener listener) {
        net.checkShape(images);
        int n = images.size();
        if (labels.length != n) {
            throw new IllegalArgumentException(n + " images but " + labels.length + " labels");
        }
        int classes = net.architecture().classes();
        for (int label : labels) {
            if (label < 0 || label >= classes) {
                throw new IllegalArgumentException("label " + label + " outside 0.." + (classes - 1));
            }
        }
        SplittableRandom random = new SplittableRandom(config.seed() ^ 0x5DEECE66DL);
        long total = steps(n, config);
        long step = 0;
        double lastEpochLoss = Double.NaN;
        int[] order = new int[n];
        for (int i = 0; i < n; i++) {
            order[i] = i;
        }
        try (Adam adam = new Adam(config.learningRate(), Adam.PAPER_BETA1, Adam.PAPER_BETA2, Adam.PAPER_EPSILON);
             NDManager manager = NDManager.newBaseManager()) {
            for (int epoch = 0; epoch < config.epochs(); epoch++) {
                for (int i = n - 1; i > 0; i--) {
                    int j = random.nextInt(i + 1);
                    int t = order[i];
                    order[i] = order[j];
                    order[j] = t;
                }
                double epochLoss = 0;
                for (int from = 0; from < n; from += config.batch()) {
                    int size = Math.min(config.batch(), n - from);
                    int[] indices = new int[size];
                    float[] oneHot = new float[size * classes];
                    for (int k = 0; k < size; k++) {
                        indices[k] = order[from + k];
                        oneHot[k * classes + labels[indices[k]]] = 1f;
                    }
                    double loss;
                    try (NDManager scope = manager.newSubManager()) {
                        NDArray x = net.input(scope, images.batch(indices), 0, size);
                        NDArray targets = OwnedArrays.copyOf(scope, oneHot, new Shape(size, classes));
                        try (GradientCollector collector = Engine.getEngine("PyTorch").newGradientCollector()) {
                            NDList out = net.forward(x);
                            // cross-entropy: −Σ_c t_c·log softmax(logits)_c, averaged over the batch
                            NDArray value = out.get(1).logSoftmax(1).mul(targets).sum(new int[] {1}).neg().mean();
                            collector.backward(value);
                            loss = value.getFloat();
                        }
                        adam.step(net.parameters());
                    }
                    epochLoss += loss * size;
                    step++;
                    if (listener != null) {
                        listener.step(epoch, step, total, loss);
                    }
                }
                lastEpochLoss = epochLoss / n;
            }
        }
        return lastEpochLoss;
    }
}
