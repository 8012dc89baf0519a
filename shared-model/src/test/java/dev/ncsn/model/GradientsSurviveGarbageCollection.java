package dev.ncsn.model;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.training.GradientCollector;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;

import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Function;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Test support: the same loss differentiated several times, with garbage collections and fresh direct buffers
 * between the forward and the backward pass, must give bit-identical gradients. Catches arrays that enter the
 * autograd graph backed by Java memory (see {@link OwnedArrays}).
 */
public final class GradientsSurviveGarbageCollection {

    private GradientsSurviveGarbageCollection() {
    }

    /** @param loss builds a scalar loss for the model in the given per-step manager */
    public static void check(TrainableScoreModel model, NDManager parent, Function<NDManager, NDArray> loss, int repeats) {
        Map<String, float[]> first = null;
        for (int r = 0; r < repeats; r++) {
            Map<String, float[]> grads = new LinkedHashMap<>();
            try (NDManager step = parent.newSubManager()) {
                try (GradientCollector collector = Engine.getEngine("PyTorch").newGradientCollector()) {
                    NDArray value = loss.apply(step);
                    churnMemory();
                    collector.backward(value);
                }
                for (Map.Entry<String, NDArray> e : model.parameters().entrySet()) {
                    NDArray g = e.getValue().getGradient();
                    grads.put(e.getKey(), g.toFloatArray());
                    g.close();
                    JniUtils.zeroGrad((PtNDArray) e.getValue());
                }
            }
            for (Map.Entry<String, float[]> e : grads.entrySet()) {
                for (float v : e.getValue()) {
                    assertTrue(Float.isFinite(v), "non-finite gradient of " + e.getKey() + " at repeat " + r);
                }
            }
            if (first == null) {
                first = grads;
            } else {
                for (String name : first.keySet()) {
                    if (!Arrays.equals(first.get(name), grads.get(name))) {
                        fail("gradient of " + name + " changed at repeat " + r + " although nothing else did");
                    }
                }
            }
        }
    }

    /** Collects garbage (freeing any direct buffer no handle holds) and reuses the memory with other values. */
    private static void churnMemory() {
        System.gc();
        for (int i = 0; i < 64; i++) {
            ByteBuffer b = ByteBuffer.allocateDirect(1 << 14);
            while (b.remaining() >= 4) {
                b.putFloat(-12345f);
            }
        }
        System.gc();
    }
}
