package dev.ncsn.model.loss;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.ncsn.model.GaussianMixture;
import dev.ncsn.model.GradientsSurviveGarbageCollection;
import dev.ncsn.model.NoiseSchedule;
import dev.ncsn.model.toy.ToyScoreNetwork;
import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

/** The losses' temporaries must not be freed under the autograd graph (see OwnedArrays). */
class LossGradientsSurviveGcTest {

    @Test
    void denoisingAndSlicedScoreMatchingGradientsAreStable() {
        float[] data = GaussianMixture.paperToy().sample(64, new SplittableRandom(1));
        try (NDManager manager = NDManager.newBaseManager();
             ToyScoreNetwork net = new ToyScoreNetwork(manager, NoiseSchedule.TOY, 32, 3)) {
            GradientsSurviveGarbageCollection.check(net, manager, step -> new DenoisingScoreMatching()
                    .loss(net, step.create(data, new Shape(64, 2)), new SplittableRandom(5)), 4);
            GradientsSurviveGarbageCollection.check(net, manager, step -> new SlicedScoreMatching()
                    .loss(net, step.create(data, new Shape(64, 2)), new SplittableRandom(5)), 4);
        }
    }
}
