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

class ExponentialMovingAverageTest {

    private NDManager manager;

    @BeforeEach
    void open() {
        manager = NDManager.newBaseManager();
    }

    @AfterEach
    void close() {
        manager.close();
    }

    private Map<String, NDArray> parameters(float... w) {
        Map<String, NDArray> p = new LinkedHashMap<>();
        p.put("w", manager.create(w));
        p.put("b", manager.create(new float[] {w[0] * 2}));
        p.values().forEach(x -> x.setRequiresGradient(true));
        return p;
    }

    private static void set(Map<String, NDArray> p, float w0, float w1) {
        try (NoGrad ignored = NoGrad.enter()) {
            p.get("w").set(new float[] {w0, w1});
            p.get("b").set(new float[] {2 * w0});
        }
    }

    @Test
    void followsTheParametersWithTheGivenRate() {
        Map<String, NDArray> p = parameters(1f, -1f);
        double mu = 0.9;
        double shadow0 = 1;
        double shadow1 = -1;
        try (ExponentialMovingAverage ema = new ExponentialMovingAverage(p, mu)) {
            for (int k = 1; k <= 30; k++) {
                float w0 = (float) Math.sin(k);
                float w1 = k * 0.1f;
                set(p, w0, w1);
                ema.update(p);
                shadow0 = mu * shadow0 + (1 - mu) * w0;
                shadow1 = mu * shadow1 + (1 - mu) * w1;
            }
            float[] w = ema.exportState().get("w");
            assertEquals(shadow0, w[0], 1e-5);
            assertEquals(shadow1, w[1], 1e-5);
            assertEquals(mu, ema.rate());
        }
        assertEquals(0.999, new ExponentialMovingAverage(p).rate());
    }

    @Test
    void copiesTheAverageIntoParametersThatRequireGradients() {
        Map<String, NDArray> p = parameters(3f, 4f);
        try (ExponentialMovingAverage ema = new ExponentialMovingAverage(p, 0.5)) {
            set(p, 5f, 8f);
            ema.update(p);
            Map<String, NDArray> other = parameters(0f, 0f);
            ema.copyTo(other);
            assertArrayEquals(new float[] {4f, 6f}, other.get("w").toFloatArray());
            assertArrayEquals(new float[] {8f}, other.get("b").toFloatArray());
            // the copy is still a trainable leaf: a backward reaches it
            try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                gc.backward(other.get("w").square().sum());
            }
            try (NDArray g = other.get("w").getGradient()) {
                assertArrayEquals(new float[] {8f, 12f}, g.toFloatArray());
            }
            // and the live parameters were not touched
            assertArrayEquals(new float[] {5f, 8f}, p.get("w").toFloatArray());
        }
    }

    @Test
    void exportAndImportResumeBitForBit() {
        Map<String, NDArray> p = parameters(1f, 2f);
        Map<String, float[]> saved;
        float[] straight;
        try (ExponentialMovingAverage ema = new ExponentialMovingAverage(p, 0.999)) {
            for (int k = 0; k < 5; k++) {
                set(p, k, -k);
                ema.update(p);
            }
            saved = ema.exportState();
            for (int k = 5; k < 9; k++) {
                set(p, k, -k);
                ema.update(p);
            }
            straight = ema.exportState().get("w");
        }
        set(p, 123f, 456f);
        try (ExponentialMovingAverage ema = new ExponentialMovingAverage(p, 0.999)) {
            ema.importState(saved);
            for (int k = 5; k < 9; k++) {
                set(p, k, -k);
                ema.update(p);
            }
            assertArrayEquals(straight, ema.exportState().get("w"), 0f);
            assertThrows(IllegalArgumentException.class, () -> ema.importState(Map.of("w", new float[2])));
            assertThrows(IllegalArgumentException.class,
                    () -> ema.importState(Map.of("w", new float[3], "b", new float[1])));
        }
    }

    @Test
    void closeFreesTheShadows() {
        Map<String, NDArray> p = parameters(1f, 2f);
        int before = systemManager().getManagedArrays().size();
        ExponentialMovingAverage ema = new ExponentialMovingAverage(p, 0.9);
        for (int k = 0; k < 10; k++) {
            ema.update(p);
        }
        assertEquals(before + 2, systemManager().getManagedArrays().size());
        assertEquals(2, manager.getManagedArrays().size());
        ema.close();
        assertEquals(before, systemManager().getManagedArrays().size());
        assertThrows(IllegalStateException.class, () -> ema.update(p));
    }

    /** The engine's root manager, parent of every base manager: counts all live arrays. */
    static NDManager systemManager() {
        try (NDManager base = NDManager.newBaseManager()) {
            return base.getParentManager();
        }
    }
}
