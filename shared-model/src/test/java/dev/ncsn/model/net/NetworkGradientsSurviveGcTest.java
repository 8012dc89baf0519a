package dev.ncsn.model.net;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.ncsn.model.GradientsSurviveGarbageCollection;
import dev.ncsn.model.NoiseSchedule;
import dev.ncsn.model.loss.DenoisingScoreMatching;
import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

/**
 * Nothing the network's forward pass keeps for the backward pass may live in memory Java can free (see
 * OwnedArrays): with garbage collections between forward and backward the gradients stay bit-identical.
 */
class NetworkGradientsSurviveGcTest {

    @Test
    void denoisingScoreMatchingGradientsOfTheNetworkAreStable() {
        float[] images = new float[4 * 28 * 28];
        SplittableRandom random = new SplittableRandom(2);
        for (int i = 0; i < images.length; i++) {
            images[i] = (float) random.nextDouble();
        }
        Architecture tiny = new Architecture("custom", 1, 28, 4, 10);
        try (NDManager manager = NDManager.newBaseManager();
             NcsnScoreNetwork net = NcsnScoreNetwork.create(tiny, NoiseSchedule.IMAGES, manager, 5)) {
            GradientsSurviveGarbageCollection.check(net, manager, step -> new DenoisingScoreMatching()
                    .loss(net, step.create(images, new Shape(4, 1, 28, 28)), new SplittableRandom(9)), 4);
        }
    }

    @Test
    void theNcsnv2NetworksGradientsAreStableToo() {
        float[] images = new float[4 * 28 * 28];
        SplittableRandom random = new SplittableRandom(3);
        for (int i = 0; i < images.length; i++) {
            images[i] = (float) random.nextDouble();
        }
        Architecture tiny = new Architecture(NcsnV2ScoreNetwork.FAMILY_NAME, "custom", 1, 28, 4, 10);
        try (NDManager manager = NDManager.newBaseManager();
             NcsnV2ScoreNetwork net = NcsnV2ScoreNetwork.create(tiny, new NoiseSchedule(20.0, 0.01, 10), manager, 5)) {
            GradientsSurviveGarbageCollection.check(net, manager, step -> new DenoisingScoreMatching()
                    .loss(net, step.create(images, new Shape(4, 1, 28, 28)), new SplittableRandom(9)), 4);
        }
    }
}
