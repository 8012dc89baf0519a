package dev.ncsn.model.net;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import dev.ncsn.model.NoiseSchedule;
import dev.ncsn.model.TrainableScoreModel;
import dev.ncsn.model.checkpoint.Checkpoint;
import dev.ncsn.model.checkpoint.CheckpointManifest;
import dev.ncsn.model.checkpoint.LoadedCheckpoint;
import dev.ncsn.model.loss.DenoisingScoreMatching;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** NCSNv2's network (ermongroup/ncsnv2 models/ncsnv2.py): its size, its parameter names and s(x, σ) = s(x)/σ. */
class NcsnV2ScoreNetworkTest {

    private static final Architecture SMALL = new Architecture(NcsnV2ScoreNetwork.FAMILY_NAME, "custom", 1, 8, 4, 5);
    private static final NoiseSchedule SCHEDULE = new NoiseSchedule(3.0, 0.1, 5);

    @TempDir
    Path tmp;

    @Test
    void theCifar10PresetHasTheReferenceConfigurationsParameterCount() {
        Architecture cifar = Architecture.preset(NcsnV2ScoreNetwork.CIFAR10);
        assertEquals(NcsnV2ScoreNetwork.FAMILY_NAME, cifar.family());
        assertEquals(29_694_083L, cifar.parameterCount());
        try (NDManager m = NDManager.newBaseManager();
             TrainableScoreModel net = ScoreNetworks.create(cifar, ScoreNetworks.defaultSchedule(cifar), m, 1)) {
            long n = 0;
            for (NDArray a : net.parameters().values()) {
                n += a.getShape().size();
            }
            assertEquals(29_694_083L, n);
            assertEquals(new NoiseSchedule(50.0, 0.01, 232), net.schedule());
        }
    }

    @Test
    void theCompactPresetIsSmallEnoughForACpu() {
        Architecture compact = Architecture.preset(NcsnV2ScoreNetwork.COMPACT);
        assertEquals(1, compact.channels());
        assertEquals(28, compact.imageSize());
        // no level-conditioned tables: fewer parameters than NCSN's compact preset of the same width
        assertTrue(compact.parameterCount() < Architecture.preset(Architecture.COMPACT).parameterCount());
        assertEquals(compact.levels(), ScoreNetworks.defaultSchedule(compact).levels());
    }

    @Test
    void parametersAreNamedAndOrderedAsTheReferenceStateDict() {
        List<String> names = new ArrayList<>(NcsnV2ScoreNetwork.parameterShapes(SMALL).keySet());
        assertEquals(List.of("begin_conv.weight", "begin_conv.bias", "normalizer.alpha", "normalizer.gamma",
                "normalizer.beta", "end_conv.weight", "end_conv.bias", "res1.0.conv1.weight"), names.subList(0, 8));
        assertTrue(names.contains("res2.0.conv2.conv.weight"));
        assertTrue(names.contains("res2.0.shortcut.conv.weight"));
        assertTrue(names.contains("res3.0.shortcut.weight"));
        assertTrue(names.contains("refine2.msf.convs.1.bias"));
        assertTrue(names.contains("refine4.output_convs.3_2_conv.weight"));
        assertFalse(names.stream().anyMatch(n -> n.contains("embed") || n.contains("_norm") || n.contains("msf.norms")
                || n.contains("crp.norms")), "NCSNv2 has no level tables and no norms inside refine blocks");
        assertEquals(new Shape(4), NcsnV2ScoreNetwork.parameterShapes(SMALL).get("normalizer.gamma"));
    }

    @Test
    void theOutputIsTheUnconditionalNetworkDividedBySigmaSoAnySigmaIsAccepted() {
        try (NDManager m = NDManager.newBaseManager();
             NcsnV2ScoreNetwork net = NcsnV2ScoreNetwork.create(SMALL, SCHEDULE, m, 3)) {
            float[] image = random(64, 1);
            float[] x = new float[5 * 64];
            long[] levels = new long[5];
            for (int i = 0; i < 5; i++) {
                System.arraycopy(image, 0, x, i * 64, 64);
                levels[i] = i;
            }
            float[] byLevel = net.score(m.create(x, new Shape(5, 1, 8, 8)), m.create(levels)).toFloatArray();
            for (int i = 1; i < 5; i++) {
                double ratio = SCHEDULE.sigma(0) / SCHEDULE.sigma(i);
                for (int k = 0; k < 64; k++) {
                    assertEquals(byLevel[k] * ratio, byLevel[i * 64 + k], 1e-5 * Math.abs(byLevel[i * 64 + k]) + 1e-6,
                            "σ_i·s(x, σ_i) is the same network output at every level");
                }
            }
            // a σ that is no level of the schedule
            float[] two = new float[2 * 64];
            System.arraycopy(image, 0, two, 0, 64);
            System.arraycopy(image, 0, two, 64, 64);
            float[] atSigma = net.scoreAtSigmas(m.create(two, new Shape(2, 1, 8, 8)),
                    m.create(new float[] {(float) SCHEDULE.sigma(0), 0.37f})).toFloatArray();
            for (int k = 0; k < 64; k++) {
                assertEquals(byLevel[k], atSigma[k], 1e-6 * Math.abs(byLevel[k]) + 1e-7);
                assertEquals(byLevel[k] * SCHEDULE.sigma(0) / 0.37, atSigma[64 + k],
                        1e-5 * Math.abs(atSigma[64 + k]) + 1e-6);
            }
        }
    }

    @Test
    void denoisingScoreMatchingGivesAGradientToEveryParameter() {
        try (NDManager m = NDManager.newBaseManager();
             TrainableScoreModel net = ScoreNetworks.create(SMALL, SCHEDULE, m, 3)) {
            NDArray x = m.create(random(4 * 64, 2), new Shape(4, 1, 8, 8));
            try (GradientCollector collector = Engine.getEngine("PyTorch").newGradientCollector()) {
                NDArray loss = new DenoisingScoreMatching().loss(net, x, new SplittableRandom(5));
                assertTrue(Float.isFinite(loss.getFloat()));
                collector.backward(loss);
            }
            net.parameters().forEach((name, p) -> assertTrue(p.getGradient().abs().sum().getFloat() > 0,
                    name + " has no gradient"));
        }
    }

    @Test
    void checkpointsSayTheyAreNcsnv2AndTheFactoryRebuildsThem() throws Exception {
        Path dir = tmp.resolve("v2");
        try (NDManager m = NDManager.newBaseManager();
             TrainableScoreModel net = ScoreNetworks.create(SMALL, SCHEDULE, m, 7)) {
            Checkpoint.write(dir, CheckpointManifest.of("m", "v1", SMALL, SCHEDULE,
                    CheckpointManifest.DataShape.of(SMALL), 1, true, Instant.EPOCH), net.parameters());
        }
        assertTrue(Files.readString(dir.resolve(Checkpoint.MANIFEST_FILE)).contains("\"family\" : \"ncsnv2\""));
        LoadedCheckpoint checkpoint = Checkpoint.read(dir);
        assertEquals(SMALL, checkpoint.manifest().architecture());
        try (NDManager m = NDManager.newBaseManager();
             TrainableScoreModel loaded = checkpoint.newNetwork(m);
             TrainableScoreModel fresh = ScoreNetworks.create(SMALL, SCHEDULE, m, 7)) {
            assertInstanceOf(NcsnV2ScoreNetwork.class, loaded);
            fresh.parameterValues().forEach((name, v) -> assertArrayEquals(v, loaded.parameterValues().get(name), name));
        }
    }

    @Test
    void aPassLeavesNothingInTheWeightsManagerWithOrWithoutGradients() {
        // the weights' manager lives as long as the model; anything a pass leaves there is kept (with its autograd
        // graph, during training) until the model is closed
        try (NDManager weights = NDManager.newBaseManager();
             TrainableScoreModel net = ScoreNetworks.create(SMALL, SCHEDULE, weights, 3)) {
            int before = weights.getManagedArrays().size();
            for (int step = 0; step < 3; step++) {
                try (NDManager pass = NDManager.newBaseManager()) {
                    NDArray x = pass.create(random(4 * 64, step), new Shape(4, 1, 8, 8));
                    try (GradientCollector collector = Engine.getEngine("PyTorch").newGradientCollector()) {
                        collector.backward(new DenoisingScoreMatching().loss(net, x, new SplittableRandom(step)));
                    }
                    net.scoreAtSigmas(x, pass.create(new float[] {0.5f, 1f, 2f, 3f})).close();
                    net.score(x, pass.create(new int[] {0, 1, 2, 4})).close();
                }
            }
            assertEquals(before, weights.getManagedArrays().size());
        }
    }

    private static float[] random(int n, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) r.nextDouble();
        }
        return v;
    }
}
