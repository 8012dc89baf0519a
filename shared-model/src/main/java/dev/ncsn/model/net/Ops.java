package dev.ncsn.model.net;

import dev.ncsn.model.OwnedArrays;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;

import java.lang.reflect.Field;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Thin wrappers over the PyTorch engine's native ops used by the score network. Every result is attached to the
 * manager of the first (activation) argument, never to a parameter's manager.
 */
final class Ops {

    private static final Shape ONE_BY_ONE = new Shape(1, 1);
    private static final Shape NO_PAD = new Shape(0, 0);
    private static final Shape POOL2 = new Shape(2, 2);

    /** torch.nn.InstanceNorm2d's default epsilon. */
    static final double INSTANCE_NORM_EPS = 1e-5;

    private static final AtomicBoolean COLLECTOR_FLAG = findCollectorFlag();

    private Ops() {
    }

    static PtNDArray pt(NDArray a) {
        if (a instanceof PtNDArray p) {
            return p;
        }
        throw new IllegalArgumentException("the score network runs on the PyTorch engine; got an array of "
                + (a == null ? "null" : a.getClass().getName()));
    }

    /** 2-D convolution, stride 1, with zero padding and dilation; bias may be null. */
    static PtNDArray conv2d(PtNDArray x, PtNDArray weight, PtNDArray bias, int padding, int dilation) {
        Shape pad = padding == 0 ? NO_PAD : new Shape(padding, padding);
        Shape dil = dilation == 1 ? ONE_BY_ONE : new Shape(dilation, dilation);
        return JniUtils.convolution(x, weight, bias, ONE_BY_ONE, pad, dil, 1);
    }

    static PtNDArray elu(PtNDArray x) {
        return JniUtils.elu(x, 1.0);
    }

    /** 2×2 mean pooling with stride 2 (the reference's ConvMeanPool averaging of four strided slices). */
    static PtNDArray meanPool2(PtNDArray x) {
        return JniUtils.avgPool(x, POOL2, POOL2, NO_PAD, false, true);
    }

    private static final Shape FIVE = new Shape(5, 5);
    private static final Shape TWO = new Shape(2, 2);

    /** 5×5 max pooling, stride 1, padding 2 (padding never wins): NCSNv2's chained residual pooling. */
    static PtNDArray maxPool5(PtNDArray x) {
        return JniUtils.maxPool(x, FIVE, ONE_BY_ONE, TWO, false);
    }

    /**
     * The same logical [N, C, H, W] array with channels-last (NHWC) memory; a view when it already is. oneDNN's
     * convolutions are markedly faster on channels-last input than on NCHW on CPU, and every op of the network
     * keeps that layout once the activations have it.
     */
    static PtNDArray channelsLast(PtNDArray x) {
        Shape s = x.getShape();
        long n = s.get(0);
        long c = s.get(1);
        long h = s.get(2);
        long w = s.get(3);
        NDArray nhwc = x.transpose(0, 2, 3, 1);
        NDArray packed = nhwc.reshape(n, h, w * c); // copies unless the memory already is NHWC
        NDArray unpacked = packed.reshape(n, h, w, c);
        PtNDArray out = pt(unpacked.transpose(0, 3, 1, 2));
        nhwc.close();
        packed.close();
        unpacked.close();
        return out;
    }

    /** The same logical array with plain row-major (NCHW) memory; a view when it already is. */
    static PtNDArray contiguous(PtNDArray x) {
        Shape s = x.getShape();
        NDArray flat = x.reshape(s.get(0), s.size() / s.get(0)); // copies unless already row-major
        PtNDArray out = pt(flat.reshape(s));
        flat.close();
        return out;
    }

    /**
     * A separable linear map over the two spatial axes: out[n, c] = M_h · x[n, c] · M_wᵀ for M_h (H' × H) and
     * M_w (W' × W), evaluated as two matrix products over the NHWC view, so channels-last input gives channels-last
     * output without copies. Differentiable in x.
     */
    static PtNDArray separable(PtNDArray x, PtNDArray mh, PtNDArray mw) {
        Shape s = x.getShape();
        long n = s.get(0);
        long c = s.get(1);
        long h = s.get(2);
        long h2 = mh.getShape().get(0);
        long w2 = mw.getShape().get(0);
        NDArray nhwc = x.transpose(0, 2, 3, 1); // [N, H, W, C]
        NDArray alongW = mw.matMul(nhwc); // [N, H, W', C]
        NDArray flat = alongW.reshape(n, h, w2 * c);
        NDArray alongH = mh.matMul(flat); // [N, H', W'·C]
        NDArray unflat = alongH.reshape(n, h2, w2, c);
        PtNDArray out = pt(unflat.transpose(0, 3, 1, 2)); // [N, C, H', W'], channels-last
        nhwc.close();
        alongW.close();
        flat.close();
        alongH.close();
        unflat.close();
        out.attach(x.getManager());
        return out;
    }

    /**
     * 5×5 average pooling, stride 1, zero padding 2, padded zeros counted (torch AvgPool2d defaults), as a
     * separable box filter with B (n × n) banded, B[i][j] = 1/5 for |i − j| ≤ 2. Equal to the pooling up to
     * rounding and much faster than torch's pooling kernels on CPU.
     */
    static PtNDArray boxFilter5(PtNDArray x, PtNDArray boxH, PtNDArray boxW) {
        return separable(x, boxH, boxW);
    }

    /** The (n × n) matrix of a 5-wide, zero-padded moving average (symmetric). */
    static float[] boxMatrix(int n) {
        float[] m = new float[n * n];
        for (int i = 0; i < n; i++) {
            for (int j = Math.max(0, i - 2); j <= Math.min(n - 1, i + 2); j++) {
                m[i * n + j] = 0.2f;
            }
        }
        return m;
    }

    /**
     * Bilinear resize with align_corners=True as a separable map with interpolation matrices A (out × in) whose
     * row i puts weights 1−λ and λ on input positions ⌊s⌋ and ⌊s⌋+1 for s = i·(in−1)/(out−1). (DJL's native
     * interpolate turns on anti-aliasing, which does not give torch's plain bilinear result.)
     */
    static PtNDArray resizeBilinear(PtNDArray x, PtNDArray rows, PtNDArray cols) {
        return separable(x, rows, cols);
    }

    /** Bilinear align-corners resize with freshly made matrices (for tests and one-off use). */
    static PtNDArray resizeBilinear(PtNDArray x, long height, long width, NDManager scratch) {
        Shape s = x.getShape();
        int inH = Math.toIntExact(s.get(2));
        int inW = Math.toIntExact(s.get(3));
        int outH = Math.toIntExact(height);
        int outW = Math.toIntExact(width);
        try (PtNDArray rows = pt(OwnedArrays.copyOf(scratch, interpolationMatrix(inH, outH), new Shape(outH, inH)));
             PtNDArray cols = pt(OwnedArrays.copyOf(scratch, interpolationMatrix(inW, outW), new Shape(outW, inW)))) {
            return resizeBilinear(x, rows, cols);
        }
    }

    /** The (out × in) align-corners interpolation matrix, row-major. */
    static float[] interpolationMatrix(int in, int out) {
        float[] m = new float[in * out];
        double scale = out > 1 ? (double) (in - 1) / (out - 1) : 0.0;
        for (int i = 0; i < out; i++) {
            double src = i * scale;
            int i0 = Math.min((int) Math.floor(src), in - 1);
            int i1 = Math.min(i0 + 1, in - 1);
            float lambda = (float) (src - i0);
            m[i * in + i0] += 1f - lambda;
            m[i * in + i1] += lambda;
        }
        return m;
    }

    /** Gathers rows of an embedding table: weight [L, D], indices int64 [N] → [N, D], differentiable in weight. */
    static PtNDArray embedding(PtNDArray indices, PtNDArray weight) {
        return JniUtils.embedding(indices, weight, false);
    }

    static boolean isGradMode() {
        return JniUtils.isGradMode();
    }

    static void setGradMode(boolean enabled) {
        JniUtils.setGradMode(enabled);
    }

    /**
     * Whether the calling thread is inside a DJL GradientCollector. PyTorch's grad mode is thread-local and on by
     * default in every new thread (DJL switches it off only in the thread that loaded the engine), so grad mode
     * alone cannot tell a training step from a sampler running on a worker thread. DJL keeps a process-wide
     * "collecting" flag in its PyTorch collector; when it cannot be read, grad mode alone decides.
     */
    static boolean gradientsRequested() {
        if (!JniUtils.isGradMode()) {
            return false;
        }
        return COLLECTOR_FLAG == null || COLLECTOR_FLAG.get();
    }

    private static AtomicBoolean findCollectorFlag() {
        try {
            Class<?> c = Class.forName("ai.djl.pytorch.engine.PtGradientCollector");
            Field f = c.getDeclaredField("isCollecting");
            f.setAccessible(true);
            Object v = f.get(null);
            return v instanceof AtomicBoolean b ? b : null;
        } catch (ReflectiveOperationException | RuntimeException e) {
            return null;
        }
    }
}
