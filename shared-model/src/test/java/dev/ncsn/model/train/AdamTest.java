package dev.ncsn.model.train;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.training.GradientCollector;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.LinkedHashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class AdamTest {

    private static final float[] TARGET_A = {1f, -2f, 0.5f};
    private static final float[] WEIGHT_A = {1f, 3f, 0.2f};
    private static final float[] TARGET_B = {4f, -1f};
    private static final float[] WEIGHT_B = {0.5f, 10f};

    private NDManager manager;

    @BeforeEach
    void open() {
        manager = NDManager.newBaseManager();
    }

    @AfterEach
    void close() {
        manager.close();
    }

    private Map<String, NDArray> parameters(float[] a, float[] b) {
        Map<String, NDArray> p = new LinkedHashMap<>();
        p.put("a", manager.create(a));
        p.put("b", manager.create(b));
        p.values().forEach(x -> x.setRequiresGradient(true));
        return p;
    }

    /** f = ½Σ w_a(a − t_a)² + ½Σ w_b(b − t_b)², gradient w·(θ − t). */
    private void backward(Map<String, NDArray> p) {
        try (NDManager step = manager.newSubManager();
             GradientCollector gc = Engine.getInstance().newGradientCollector()) {
            // left operands from the step's manager, so that every temporary lands there
            NDArray fa = step.create(TARGET_A).sub(p.get("a")).square().mul(step.create(WEIGHT_A)).sum();
            NDArray fb = step.create(TARGET_B).sub(p.get("b")).square().mul(step.create(WEIGHT_B)).sum();
            gc.backward(fa.add(fb).mul(0.5f));
        }
    }

    @Test
    void matchesAHandComputedAdamInDoublePrecision() {
        float[] a0 = {0f, 0f, 3f};
        float[] b0 = {-1f, 2f};
        Map<String, NDArray> p = parameters(a0, b0);
        double lr = 0.05;
        // the engine's kernel takes β1, β2 as float32: the reference uses the same rounded values
        double b1 = (float) 0.9;
        double b2 = (float) 0.999;
        double eps = 1e-8;
        double[][] theta = {toDouble(a0), toDouble(b0)};
        float[][] target = {TARGET_A, TARGET_B};
        float[][] weight = {WEIGHT_A, WEIGHT_B};
        double[][] m = {new double[3], new double[2]};
        double[][] v = {new double[3], new double[2]};
        try (Adam adam = new Adam(lr, 0.9, 0.999, eps)) {
            for (int t = 1; t <= 20; t++) {
                backward(p);
                adam.step(p);
                for (int k = 0; k < 2; k++) {
                    for (int j = 0; j < theta[k].length; j++) {
                        double g = weight[k][j] * (theta[k][j] - target[k][j]);
                        m[k][j] = b1 * m[k][j] + (1 - b1) * g;
                        v[k][j] = b2 * v[k][j] + (1 - b2) * g * g;
                        double mHat = m[k][j] / (1 - Math.pow(b1, t));
                        double vHat = v[k][j] / (1 - Math.pow(b2, t));
                        theta[k][j] -= lr * mHat / (Math.sqrt(vHat) + eps);
                    }
                }
                assertEquals(t, adam.stepCount());
                assertArrayEquals(theta[0], toDouble(p.get("a").toFloatArray()), 1e-5, "a after step " + t);
                assertArrayEquals(theta[1], toDouble(p.get("b").toFloatArray()), 1e-5, "b after step " + t);
            }
            Adam.State state = adam.exportState();
            assertArrayEquals(m[0], toDouble(state.firstMoment().get("a")), 1e-5);
            assertArrayEquals(v[1], toDouble(state.secondMoment().get("b")), 1e-3);
        }
    }

    @Test
    void collectorAccumulatesGradientsAndStepZeroesThem() {
        Map<String, NDArray> p = parameters(new float[] {0f, 0f, 0f}, new float[] {0f, 0f});
        // DJL's PyTorch GradientCollector neither zeroes on open nor on close: two backward passes add up
        backward(p);
        backward(p);
        try (NDArray g = p.get("a").getGradient()) {
            assertArrayEquals(new float[] {-2f, 12f, -0.2f}, g.toFloatArray(), 1e-6f);
        }
        try (Adam adam = Adam.paper()) {
            adam.step(p);
        }
        for (NDArray x : p.values()) {
            try (NDArray g = x.getGradient()) {
                assertEquals(0f, g.abs().max().getFloat());
            }
        }
    }

    @Test
    void exportAndImportResumeBitForBit() {
        Map<String, NDArray> straight = parameters(new float[] {0.3f, -0.7f, 2f}, new float[] {1f, 1f});
        Map<String, NDArray> resumed = parameters(new float[] {0.3f, -0.7f, 2f}, new float[] {1f, 1f});
        Adam.State atEnd;
        try (Adam adam = Adam.paper()) {
            for (int i = 0; i < 12; i++) {
                backward(straight);
                adam.step(straight);
            }
            atEnd = adam.exportState();
        }
        Adam.State midway;
        try (Adam adam = Adam.paper()) {
            for (int i = 0; i < 5; i++) {
                backward(resumed);
                adam.step(resumed);
            }
            midway = adam.exportState();
        }
        try (Adam adam = Adam.paper()) {
            adam.importState(midway);
            assertEquals(5, adam.stepCount());
            // a state imported but not yet used exports unchanged
            assertArrayEquals(midway.firstMoment().get("a"), adam.exportState().firstMoment().get("a"));
            for (int i = 0; i < 7; i++) {
                backward(resumed);
                adam.step(resumed);
            }
            Adam.State end = adam.exportState();
            assertEquals(atEnd.step(), end.step());
            for (String name : straight.keySet()) {
                assertArrayEquals(straight.get(name).toFloatArray(), resumed.get(name).toFloatArray(), 0f, name);
                assertArrayEquals(atEnd.firstMoment().get(name), end.firstMoment().get(name), 0f, name);
                assertArrayEquals(atEnd.secondMoment().get(name), end.secondMoment().get(name), 0f, name);
            }
        }
    }

    @Test
    void rejectsStateThatDoesNotFitTheParameters() {
        Map<String, NDArray> p = parameters(new float[3], new float[2]);
        Map<String, float[]> m = new LinkedHashMap<>();
        m.put("a", new float[3]);
        Map<String, float[]> wrongSize = new LinkedHashMap<>(m);
        wrongSize.put("b", new float[5]);
        try (Adam adam = Adam.paper()) {
            adam.importState(new Adam.State(3, m, m));
            assertThrows(IllegalArgumentException.class, () -> adam.step(p));
            adam.importState(new Adam.State(3, wrongSize, wrongSize));
            assertThrows(IllegalArgumentException.class, () -> adam.step(p));
        }
        assertThrows(IllegalArgumentException.class, () -> new Adam.State(2, Map.of(), Map.of()));
        assertThrows(IllegalArgumentException.class, () -> new Adam.State(1, m, Map.of("a", new float[2])));
    }

    @Test
    void stepsLeakNoArraysAndCloseFreesTheMoments() {
        Map<String, NDArray> p = parameters(new float[] {1f, 2f, 3f}, new float[] {4f, 5f});
        NDManager system = systemManager();
        Adam adam = Adam.paper();
        backward(p);
        adam.step(p);
        int afterFirst = system.getManagedArrays().size();
        int ownAfterFirst = manager.getManagedArrays().size();
        for (int i = 0; i < 10; i++) {
            backward(p);
            adam.step(p);
        }
        assertEquals(afterFirst, system.getManagedArrays().size());
        assertEquals(ownAfterFirst, manager.getManagedArrays().size());
        assertEquals(2, manager.getManagedArrays().size());
        adam.close();
        assertEquals(afterFirst - 4, system.getManagedArrays().size());
        assertThrows(IllegalStateException.class, () -> adam.step(p));
    }

    private static double[] toDouble(float[] f) {
        double[] d = new double[f.length];
        for (int i = 0; i < f.length; i++) {
            d[i] = f[i];
        }
        return d;
    }

    /** The engine's root manager, parent of every base manager: counts all live arrays. */
    static NDManager systemManager() {
        try (NDManager base = NDManager.newBaseManager()) {
            return base.getParentManager();
        }
    }
}
