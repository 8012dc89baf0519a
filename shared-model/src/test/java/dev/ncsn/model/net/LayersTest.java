package dev.ncsn.model.net;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;
import org.junit.jupiter.api.Test;

import java.util.Random;

import static dev.ncsn.model.net.Ops.pt;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** Checks the fused and native building blocks against straightforward formulas. */
class LayersTest {

    @Test
    void fusedCondInstanceNormPlusMatchesTheDefinition() {
        int n = 3;
        int c = 5;
        int h = 4;
        int w = 6;
        int levels = 4;
        Random rng = new Random(7);
        float[] xv = new float[n * c * h * w];
        for (int i = 0; i < xv.length; i++) {
            int channel = (i / (h * w)) % c;
            xv[i] = (float) (rng.nextGaussian() * (1 + channel) + 3 * channel - 2);
        }
        float[] table = new float[levels * 3 * c];
        for (int i = 0; i < table.length; i++) {
            table[i] = (float) rng.nextGaussian();
        }
        long[] lv = {2, 0, 2};
        try (NDManager m = NDManager.newBaseManager()) {
            Param p = new Param("t.embed.weight", new Shape(levels, 3L * c), Param.Init.NORM_TABLE, c);
            p.array = pt(m.create(table, p.shape));
            Layers.CondNorm norm = new Layers.CondNorm(p, c);
            PtNDArray x = pt(m.create(xv, new Shape(n, c, h, w)));
            PtNDArray levelArray = pt(m.create(lv));
            float[] got = norm.apply(x, new Layers.Pass(m, levelArray)).toFloatArray();
            // the network runs channels-last: same values from NHWC memory
            float[] gotChannelsLast = norm.apply(Ops.channelsLast(x), new Layers.Pass(m, levelArray)).toFloatArray();

            double[] expected = new double[xv.length];
            int hw = h * w;
            for (int s = 0; s < n; s++) {
                double[] mu = new double[c];
                double[] var = new double[c];
                for (int k = 0; k < c; k++) {
                    for (int j = 0; j < hw; j++) {
                        mu[k] += xv[(s * c + k) * hw + j];
                    }
                    mu[k] /= hw;
                    for (int j = 0; j < hw; j++) {
                        double d = xv[(s * c + k) * hw + j] - mu[k];
                        var[k] += d * d;
                    }
                    var[k] /= hw; // biased, as instance norm
                }
                double mm = 0;
                for (double v : mu) {
                    mm += v;
                }
                mm /= c;
                double vv = 0;
                for (double v : mu) {
                    vv += (v - mm) * (v - mm);
                }
                vv /= c - 1; // unbiased, as torch.var
                int row = (int) lv[s] * 3 * c;
                for (int k = 0; k < c; k++) {
                    double gamma = table[row + k];
                    double alpha = table[row + c + k];
                    double beta = table[row + 2 * c + k];
                    double muTilde = (mu[k] - mm) / Math.sqrt(vv + 1e-5);
                    for (int j = 0; j < hw; j++) {
                        int i = (s * c + k) * hw + j;
                        double hNorm = (xv[i] - mu[k]) / Math.sqrt(var[k] + 1e-5);
                        expected[i] = gamma * (hNorm + alpha * muTilde) + beta;
                    }
                }
            }
            for (int i = 0; i < got.length; i++) {
                assertEquals(expected[i], got[i], 1e-4 * (1 + Math.abs(expected[i])), "element " + i);
                assertEquals(expected[i], gotChannelsLast[i], 1e-4 * (1 + Math.abs(expected[i])), "element " + i);
            }
        }
    }

    /**
     * The fused normalisation takes its variance as E[x²] − μ²; its gradients must still be those of the definition
     * (x centred first), here written plainly with DJL ops and differentiated by autograd, on channels with means far
     * from zero, where rounding of that difference would show first.
     */
    @Test
    void fusedCondInstanceNormHasTheGradientsOfTheDefinition() {
        int n = 2;
        int c = 4;
        int hw = 5;
        int levels = 3;
        Random rng = new Random(11);
        float[] xv = new float[n * c * hw * hw];
        for (int i = 0; i < xv.length; i++) {
            int channel = (i / (hw * hw)) % c;
            xv[i] = (float) (rng.nextGaussian() * (0.5 + channel) + 8 * channel - 12);
        }
        float[] table = new float[levels * 3 * c];
        for (int i = 0; i < table.length; i++) {
            table[i] = (float) (1 + 0.3 * rng.nextGaussian());
        }
        float[] weights = new float[xv.length];
        for (int i = 0; i < weights.length; i++) {
            weights[i] = (float) rng.nextGaussian();
        }
        long[] lv = {2, 1};
        float[][] fused = condNormGradients(xv, table, weights, lv, n, c, hw, levels, true);
        float[][] plain = condNormGradients(xv, table, weights, lv, n, c, hw, levels, false);
        for (int k = 0; k < 2; k++) {
            for (int i = 0; i < fused[k].length; i++) {
                assertEquals(plain[k][i], fused[k][i], 2e-3 * (1 + Math.abs(plain[k][i])),
                        (k == 0 ? "dx " : "dtable ") + i);
            }
        }
    }

    /** Gradients of Σ w·CondNorm(x) with respect to x and the table, by the network's layer or by the definition. */
    private static float[][] condNormGradients(float[] xv, float[] table, float[] weights, long[] lv, int n, int c,
                                               int hw, int levels, boolean fused) {
        try (NDManager m = NDManager.newBaseManager()) {
            Param p = new Param("t.embed.weight", new Shape(levels, 3L * c), Param.Init.NORM_TABLE, c);
            p.array = pt(ai.djl.ndarray.NDArrays.add(m.create(table, p.shape), m.zeros(p.shape)));
            p.array.setRequiresGradient(true);
            PtNDArray x = pt(ai.djl.ndarray.NDArrays.add(m.create(xv, new Shape(n, c, hw, hw)), m.zeros(new Shape(n, c, hw, hw))));
            x.setRequiresGradient(true);
            NDArray w = m.create(weights, new Shape(n, c, hw, hw));
            PtNDArray levelArray = pt(m.create(lv));
            try (ai.djl.training.GradientCollector gc = m.getEngine().newGradientCollector()) {
                NDArray out;
                if (fused) {
                    out = new Layers.CondNorm(p, c).apply(Ops.channelsLast(x), new Layers.Pass(m, levelArray));
                } else {
                    NDArray rows = p.array.get(levelArray); // [N, 3C]
                    NDArray gamma = rows.get(":, 0:" + c).reshape(n, c, 1, 1);
                    NDArray alpha = rows.get(":, " + c + ":" + 2 * c).reshape(n, c, 1, 1);
                    NDArray beta = rows.get(":, " + 2 * c + ":").reshape(n, c, 1, 1);
                    // owned scalars: autograd keeps divisors (see OwnedArrays)
                    NDArray area = dev.ncsn.model.OwnedArrays.scalar(m, hw * hw);
                    NDArray mu = x.sum(new int[] {2, 3}, true).div(area);
                    NDArray centred = x.sub(mu);
                    NDArray var = centred.square().sum(new int[] {2, 3}, true).div(area);
                    NDArray h = centred.div(var.add(1e-5).sqrt());
                    NDArray mDev = mu.sub(mu.mean(new int[] {1}, true));
                    NDArray muTilde = mDev.div(mDev.square().sum(new int[] {1}, true)
                            .div(dev.ncsn.model.OwnedArrays.scalar(m, c - 1)).add(1e-5).sqrt());
                    out = gamma.mul(h.add(alpha.mul(muTilde))).add(beta);
                }
                gc.backward(out.mul(w).sum());
            }
            return new float[][] {x.getGradient().toFloatArray(), p.array.getGradient().toFloatArray()};
        }
    }

    @Test
    void bilinearResizeAlignsCorners() {
        try (NDManager m = NDManager.newBaseManager()) {
            PtNDArray x = pt(m.create(new float[] {0, 2, 4, 6}, new Shape(1, 1, 2, 2)));
            float[] y = Ops.resizeBilinear(x, 3, 3, m).toFloatArray();
            assertArrayEquals(new float[] {0, 1, 2, 2, 3, 4, 4, 5, 6}, y, 1e-6f);
            // 2 → 4 with aligned corners samples at 0, 1/3, 2/3, 1
            float[] z = Ops.resizeBilinear(x, 2, 4, m).toFloatArray();
            assertArrayEquals(new float[] {0, 2f / 3, 4f / 3, 2, 4, 4 + 2f / 3, 4 + 4f / 3, 6}, z, 1e-5f);
            // a batch of several channels and an unequal size, against a direct evaluation
            int inH = 5;
            int inW = 7;
            int outH = 9;
            int outW = 13;
            float[] v = new float[2 * 3 * inH * inW];
            java.util.Random rng = new java.util.Random(3);
            for (int i = 0; i < v.length; i++) {
                v[i] = (float) rng.nextGaussian();
            }
            float[] got = Ops.resizeBilinear(pt(m.create(v, new Shape(2, 3, inH, inW))), outH, outW, m)
                    .toFloatArray();
            for (int plane = 0; plane < 6; plane++) {
                for (int i = 0; i < outH; i++) {
                    for (int j = 0; j < outW; j++) {
                        double sy = i * (inH - 1.0) / (outH - 1);
                        double sx = j * (inW - 1.0) / (outW - 1);
                        int y0 = (int) Math.floor(sy);
                        int x0 = (int) Math.floor(sx);
                        int y1 = Math.min(y0 + 1, inH - 1);
                        int x1 = Math.min(x0 + 1, inW - 1);
                        double ly = sy - y0;
                        double lx = sx - x0;
                        int base = plane * inH * inW;
                        double want = (1 - ly) * ((1 - lx) * v[base + y0 * inW + x0] + lx * v[base + y0 * inW + x1])
                                + ly * ((1 - lx) * v[base + y1 * inW + x0] + lx * v[base + y1 * inW + x1]);
                        assertEquals(want, got[(plane * outH + i) * outW + j], 1e-5);
                    }
                }
            }
        }
    }

    @Test
    void boxFilterEqualsTorchAveragePoolingWithPaddedZerosCounted() {
        try (NDManager m = NDManager.newBaseManager()) {
            PtNDArray ones = pt(m.ones(new Shape(1, 1, 6, 7)));
            PtNDArray b6 = pt(m.create(Ops.boxMatrix(6), new Shape(6, 6)));
            PtNDArray b7 = pt(m.create(Ops.boxMatrix(7), new Shape(7, 7)));
            NDArray pooled = Ops.boxFilter5(ones, b6, b7);
            assertEquals(new Shape(1, 1, 6, 7), pooled.getShape());
            assertEquals(9f / 25f, pooled.getFloat(0, 0, 0, 0), 1e-6f);
            assertEquals(1f, pooled.getFloat(0, 0, 2, 2), 1e-6f);

            PtNDArray x = pt(m.randomNormal(new Shape(2, 3, 6, 7)));
            float[] torch = JniUtils.avgPool(x, new Shape(5, 5), new Shape(1, 1), new Shape(2, 2), false, true)
                    .toFloatArray();
            assertArrayEquals(torch, Ops.boxFilter5(x, b6, b7).toFloatArray(), 1e-5f);
        }
    }

    @Test
    void layoutConversionsKeepValues() {
        try (NDManager m = NDManager.newBaseManager()) {
            PtNDArray x = pt(m.randomNormal(new Shape(2, 3, 4, 5)));
            PtNDArray cl = Ops.channelsLast(x);
            assertEquals(x.getShape(), cl.getShape());
            assertArrayEquals(x.toFloatArray(), cl.toFloatArray());
            PtNDArray back = Ops.contiguous(cl);
            assertArrayEquals(x.toFloatArray(), back.toFloatArray());
            // the box filter gives the same values whatever the input layout
            PtNDArray b4 = pt(m.create(Ops.boxMatrix(4), new Shape(4, 4)));
            PtNDArray b5 = pt(m.create(Ops.boxMatrix(5), new Shape(5, 5)));
            assertArrayEquals(Ops.boxFilter5(x, b4, b5).toFloatArray(), Ops.boxFilter5(cl, b4, b5).toFloatArray(),
                    1e-6f);
        }
    }

    @Test
    void meanPoolAveragesQuads() {
        try (NDManager m = NDManager.newBaseManager()) {
            PtNDArray x = pt(m.arange(16f).reshape(1, 1, 4, 4));
            assertArrayEquals(new float[] {2.5f, 4.5f, 10.5f, 12.5f}, Ops.meanPool2(x).toFloatArray(), 1e-6f);
        }
    }
}
