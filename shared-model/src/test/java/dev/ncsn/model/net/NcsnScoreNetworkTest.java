package dev.ncsn.model.net;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.engine.EngineException;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.training.GradientCollector;
import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class NcsnScoreNetworkTest {

    private static final Architecture SMALL_GRAY = new Architecture("custom", 1, 28, 4, 10);
    private static final Architecture SMALL_RGB = new Architecture("custom", 3, 32, 4, 10);

    @Test
    void presetParameterCountsMatchThePaper() {
        assertEquals(7_638_657L, countCreated(Architecture.preset("mnist")));
        assertEquals(30_117_635L, countCreated(Architecture.preset("cifar10")));
        assertEquals(7_638_657L, Architecture.preset("mnist").parameterCount());
        assertEquals(30_117_635L, Architecture.preset("cifar10").parameterCount());
    }

    private static long countCreated(Architecture arch) {
        try (NDManager m = NDManager.newBaseManager();
             NcsnScoreNetwork net = NcsnScoreNetwork.create(arch, m, 1)) {
            long n = 0;
            for (NDArray a : net.parameters().values()) {
                n += a.getShape().size();
            }
            assertEquals(n, net.parameterCount());
            return n;
        }
    }

    @Test
    void presetsAreKnownByName() {
        for (String name : Architecture.presetNames()) {
            assertEquals(name, Architecture.preset(name).preset());
        }
        assertThrows(IllegalArgumentException.class, () -> Architecture.preset("nope"));
        Architecture compact = Architecture.preset("compact");
        assertEquals(1, compact.channels());
        assertEquals(28, compact.imageSize());
        assertEquals(10, compact.levels());
        assertEquals(518_817L, compact.parameterCount());
        assertEquals(0.237, compact.flopsPerImage() / 1e9, 0.001);
    }

    @Test
    void flopsOfTheMnistPresetAreAbout3point79G() {
        double g = Architecture.preset("mnist").flopsPerImage() / 1e9;
        assertEquals(3.79, g, 0.01);
    }

    @Test
    void outputShapeEqualsInputShape() {
        for (Architecture arch : new Architecture[] {SMALL_GRAY, SMALL_RGB}) {
            try (NDManager m = NDManager.newBaseManager();
                 NcsnScoreNetwork net = NcsnScoreNetwork.create(arch, m, 3)) {
                Shape shape = new Shape(2, arch.channels(), arch.imageSize(), arch.imageSize());
                NDArray x = m.randomUniform(0, 1, shape);
                NDArray out = net.score(x, m.create(new long[] {0, 9}));
                assertEquals(shape, out.getShape());
                assertEquals(DataType.FLOAT32, out.getDataType());
                assertTrue(out.getManager() == x.getManager());
                float[] v = out.toFloatArray();
                for (float f : v) {
                    assertTrue(Float.isFinite(f));
                }
            }
        }
    }

    @Test
    void sameSeedSameNetworkAndOutput() {
        try (NDManager m = NDManager.newBaseManager();
             NcsnScoreNetwork a = NcsnScoreNetwork.create(SMALL_GRAY, m, 42);
             NcsnScoreNetwork b = NcsnScoreNetwork.create(SMALL_GRAY, m, 42);
             NcsnScoreNetwork c = NcsnScoreNetwork.create(SMALL_GRAY, m, 43)) {
            Map<String, float[]> va = a.parameterValues();
            Map<String, float[]> vb = b.parameterValues();
            Map<String, float[]> vc = c.parameterValues();
            assertEquals(va.keySet(), vb.keySet());
            for (String name : va.keySet()) {
                assertArrayEquals(va.get(name), vb.get(name), name);
            }
            assertFalse(Arrays.equals(va.get("begin_conv.weight"), vc.get("begin_conv.weight")));
            NDArray x = m.randomUniform(0, 1, new Shape(3, 1, 28, 28));
            NDArray levels = m.create(new long[] {0, 4, 9});
            assertArrayEquals(a.score(x, levels).toFloatArray(), b.score(x, levels).toFloatArray());
            assertArrayEquals(a.score(x, levels).toFloatArray(), a.score(x, levels).toFloatArray());
        }
    }

    @Test
    void gradientsReachEveryParameterAndTheInput() {
        try (NDManager m = NDManager.newBaseManager();
             NcsnScoreNetwork net = NcsnScoreNetwork.create(SMALL_GRAY, m, 5)) {
            try (NDManager batch = m.newSubManager()) {
                NDArray x = batch.randomUniform(0, 1, new Shape(3, 1, 28, 28));
                x.setRequiresGradient(true);
                NDArray levels = batch.create(new long[] {1, 5, 9});
                NDArray weights = batch.randomNormal(new Shape(3, 1, 28, 28));
                try (GradientCollector gc = m.getEngine().newGradientCollector()) {
                    NDArray out = net.score(x, levels);
                    gc.backward(out.mul(weights).sum());
                }
                for (Map.Entry<String, NDArray> e : net.parameters().entrySet()) {
                    try (NDArray g = e.getValue().getGradient()) {
                        assertEquals(e.getValue().getShape(), g.getShape());
                        float total = g.abs().sum().getFloat();
                        assertTrue(total > 0 && Float.isFinite(total), "no gradient for " + e.getKey());
                    }
                }
                float gx = x.getGradient().abs().sum().getFloat();
                assertTrue(gx > 0 && Float.isFinite(gx), "no gradient for x");
            }
        }
    }

    @Test
    void outsideACollectorNothingIsRecorded() throws Exception {
        try (NDManager m = NDManager.newBaseManager();
             NcsnScoreNetwork net = NcsnScoreNetwork.create(SMALL_GRAY, m, 5)) {
            NDArray x = m.randomUniform(0, 1, new Shape(2, 1, 28, 28));
            NDArray levels = m.create(new long[] {0, 1});
            // a fresh thread, where PyTorch's grad mode is on by default: still no graph outside a collector
            AtomicReference<Throwable> failure = new AtomicReference<>();
            Thread t = new Thread(() -> {
                assertTrue(JniUtils.isGradMode());
                NDArray out = net.score(x, levels);
                assertTrue(JniUtils.isGradMode(), "grad mode must be restored");
                try (GradientCollector gc = m.getEngine().newGradientCollector()) {
                    assertThrows(EngineException.class, () -> gc.backward(out.sum()));
                }
            });
            t.setUncaughtExceptionHandler((th, ex) -> failure.set(ex));
            t.start();
            t.join();
            if (failure.get() != null) {
                throw new AssertionError(failure.get());
            }
            try (GradientCollector gc = m.getEngine().newGradientCollector()) {
                NDArray out = net.score(x, levels);
                assertFalse(JniUtils.getGradientFunctionNames((PtNDArray) out).isEmpty());
                NDArray plain = net.scoreWithoutGradients(x, levels);
                assertArrayEquals(out.toFloatArray(), plain.toFloatArray());
                assertThrows(EngineException.class, () -> gc.backward(plain.sum()));
            }
        }
    }

    /**
     * A sample's score must not depend on the rest of its batch: bit for bit when only the companions change,
     * to float rounding when the batch size changes (a lone sample takes other convolution kernels in torch; see
     * the class documentation of {@link NcsnScoreNetwork}).
     */
    @Test
    void samplesDoNotInfluenceEachOther() {
        try (NDManager m = NDManager.newBaseManager();
             NcsnScoreNetwork net = NcsnScoreNetwork.create(new Architecture("custom", 1, 28, 8, 10), m, 11)) {
            NDArray batch = m.randomUniform(0, 1, new Shape(4, 1, 28, 28));
            NDArray other = m.randomUniform(0, 1, new Shape(4, 1, 28, 28));
            NDArray sample = batch.get("0:1");
            float[] alone = net.score(sample, m.create(new long[] {3})).toFloatArray();
            float[] inBatch = net.score(batch, m.create(new long[] {3, 0, 7, 9})).get("0").toFloatArray();
            NDArray mixed = sample.concat(other.get("1:4"), 0);
            float[] inOtherBatch = net.score(mixed, m.create(new long[] {3, 9, 1, 2})).get("0").toFloatArray();
            assertEquals(alone.length, inBatch.length);
            double maxDiffAlone = maxAbsDiff(alone, inBatch);
            double maxDiffSameSize = maxAbsDiff(inBatch, inOtherBatch);
            double scale = maxAbs(alone);
            System.out.printf("per-sample independence: |alone - in batch of 4| max %.3g, |batch of 4 vs other "
                            + "batch of 4| max %.3g (output scale %.3g); bit-identical: alone=%s, same size=%s%n",
                    maxDiffAlone, maxDiffSameSize, scale, Arrays.equals(alone, inBatch),
                    Arrays.equals(inBatch, inOtherBatch));
            assertTrue(maxDiffAlone <= 1e-4 * (1 + scale), "batch composition changed a sample by " + maxDiffAlone);
            // same batch size and position, different companions and levels: the very same kernels run on the
            // sample's data, so it must come out bit for bit the same
            assertArrayEquals(inBatch, inOtherBatch);
            // and a different level for the same image does change the output
            float[] otherLevel = net.score(sample, m.create(new long[] {8})).toFloatArray();
            assertNotEquals(0.0, maxAbsDiff(alone, otherLevel));
        }
    }

    private static double maxAbsDiff(float[] a, float[] b) {
        double d = 0;
        for (int i = 0; i < a.length; i++) {
            d = Math.max(d, Math.abs((double) a[i] - b[i]));
        }
        return d;
    }

    private static double maxAbs(float[] a) {
        double d = 0;
        for (float f : a) {
            d = Math.max(d, Math.abs(f));
        }
        return d;
    }

    @Test
    void parametersCanBeSavedAndLoadedByName() {
        try (NDManager m = NDManager.newBaseManager();
             NcsnScoreNetwork a = NcsnScoreNetwork.create(SMALL_GRAY, m, 1);
             NcsnScoreNetwork b = NcsnScoreNetwork.create(SMALL_GRAY, m, 2)) {
            assertEquals(NcsnScoreNetwork.parameterShapes(SMALL_GRAY), a.parameterShapes());
            assertEquals(java.util.List.copyOf(a.parameters().keySet()), java.util.List.copyOf(a.parameterShapes().keySet()));
            assertTrue(a.parameters().containsKey("res1.0.conv1.weight"));
            assertTrue(a.parameters().containsKey("res2.0.conv2.conv.weight"));
            assertTrue(a.parameters().containsKey("refine4.adapt_convs.1.2_2_conv.weight"));
            assertEquals(new Shape(10, 12), a.parameters().get("normalizer.embed.weight").getShape());

            NDArray x = m.randomUniform(0, 1, new Shape(2, 1, 28, 28));
            NDArray levels = m.create(new long[] {2, 7});
            float[] before = a.score(x, levels).toFloatArray();
            Map<String, float[]> values = a.parameterValues();
            b.loadParameters(values);
            assertArrayEquals(before, b.score(x, levels).toFloatArray());

            Map<String, float[]> broken = new java.util.LinkedHashMap<>(values);
            broken.put("end_conv.bias", new float[] {1f, 2f});
            assertThrows(IllegalArgumentException.class, () -> b.loadParameters(broken));
            broken.remove("end_conv.bias");
            assertThrows(IllegalArgumentException.class, () -> b.loadParameters(broken));
            assertThrows(IllegalArgumentException.class, () -> b.setParameter("nope", new float[1]));
            b.setParameter("end_conv.bias", new float[] {0.5f});
            assertEquals(0.5f, b.parameters().get("end_conv.bias").getFloat(0));
        }
    }

    @Test
    void badInputsAreRejected() {
        try (NDManager m = NDManager.newBaseManager();
             NcsnScoreNetwork net = NcsnScoreNetwork.create(SMALL_GRAY, m, 1)) {
            NDArray x = m.randomUniform(0, 1, new Shape(2, 1, 28, 28));
            assertThrows(IllegalArgumentException.class, () -> net.score(x, m.create(new long[] {0})));
            assertThrows(IndexOutOfBoundsException.class, () -> net.score(x, m.create(new long[] {0, 10})));
            assertThrows(IllegalArgumentException.class,
                    () -> net.score(m.zeros(new Shape(2, 3, 28, 28)), m.create(new long[] {0, 1})));
        }
    }
}
