package dev.ncsn.model.quality;

import ai.djl.ndarray.NDArray;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ncsn.model.data.ByteDataset;
import dev.ncsn.model.data.MnistReader;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Trains the classifier briefly on the committed 1,500-image subset and checks what the quality meter relies on. */
class FeatureClassifierTest {

    private static final Path SUBSET = Path.of("src/test/resources/fashion-mnist-subset");
    private static ByteDataset train;
    private static int[] trainLabels;
    private static ByteDataset test;
    private static int[] testLabels;

    @BeforeAll
    static void read() {
        train = MnistReader.read(SUBSET, "train");
        trainLabels = MnistReader.readLabels(SUBSET, "train");
        test = MnistReader.read(SUBSET, "t10k");
        testLabels = MnistReader.readLabels(SUBSET, "t10k");
    }

    @Test
    void labelsMatchTheImages() {
        assertEquals(1500, trainLabels.length);
        assertEquals(500, testLabels.length);
        // Fashion-MNIST's first training labels
        assertArrayEquals(new int[] {9, 0, 0, 3, 0, 2, 7, 2, 5, 5}, java.util.Arrays.copyOf(trainLabels, 10));
    }

    @Test
    void briefTrainingClassifiesWellAboveChanceAndRepeatsFromItsSeed(@TempDir Path dir) {
        var config = new ClassifierTraining.Config(3, 64, 2e-3, 5);
        try (FeatureClassifier net = FeatureClassifier.create(FeatureClassifier.Architecture.FASHION_MNIST,
                FeatureClassifier.FASHION_MNIST_CLASSES, 5)) {
            double untrained = net.accuracy(test, testLabels);
            double loss = ClassifierTraining.train(net, train, trainLabels, config, null);
            double accuracy = net.accuracy(test, testLabels);
            // chance is 0.1; after 3 epochs on 1,500 images a small CNN reaches about 0.75
            assertTrue(accuracy > 0.6, "test accuracy " + accuracy + " (untrained " + untrained + ")");
            assertTrue(loss < 1.0, "last epoch's loss " + loss);

            Path saved = dir.resolve("classifier");
            net.write(saved, new ObjectMapper().createObjectNode().put("testAccuracy", accuracy));
            try (FeatureClassifier back = FeatureClassifier.read(saved)) {
                assertEquals(accuracy, back.info().path("testAccuracy").asDouble());
                var a = net.evaluate(test);
                var b = back.evaluate(test);
                for (int i = 0; i < a.count(); i += 50) {
                    assertArrayEquals(a.features()[i], b.features()[i]);
                    assertArrayEquals(a.probabilities()[i], b.probabilities()[i]);
                }
            }
            // the same seed and data give the same weights
            try (FeatureClassifier again = FeatureClassifier.create(FeatureClassifier.Architecture.FASHION_MNIST,
                    FeatureClassifier.FASHION_MNIST_CLASSES, 5)) {
                ClassifierTraining.train(again, train.slice(0, 256), java.util.Arrays.copyOf(trainLabels, 256),
                        new ClassifierTraining.Config(1, 64, 2e-3, 5), null);
                try (FeatureClassifier third = FeatureClassifier.create(FeatureClassifier.Architecture.FASHION_MNIST,
                        FeatureClassifier.FASHION_MNIST_CLASSES, 5)) {
                    ClassifierTraining.train(third, train.slice(0, 256), java.util.Arrays.copyOf(trainLabels, 256),
                            new ClassifierTraining.Config(1, 64, 2e-3, 5), null);
                    for (Map.Entry<String, NDArray> e : again.parameters().entrySet()) {
                        assertArrayEquals(e.getValue().toFloatArray(), third.parameters().get(e.getKey()).toFloatArray(),
                                e.getKey());
                    }
                }
            }
        }
    }

    @Test
    void aDamagedParametersFileIsRejected(@TempDir Path dir) throws Exception {
        Path saved = dir.resolve("c");
        try (FeatureClassifier net = FeatureClassifier.create(FeatureClassifier.Architecture.FASHION_MNIST,
                FeatureClassifier.FASHION_MNIST_CLASSES, 1)) {
            net.write(saved, null);
        }
        byte[] data = Files.readAllBytes(saved.resolve(FeatureClassifier.PARAMETERS_FILE));
        data[100] ^= 1;
        Files.write(saved.resolve(FeatureClassifier.PARAMETERS_FILE), data);
        var e = assertThrows(IllegalArgumentException.class, () -> FeatureClassifier.read(saved));
        assertTrue(e.getMessage().contains("SHA-256"), e.getMessage());
    }
}
