package dev.ncsn.model.net;

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

    /**
     * 5×5 average pooling, stride 1, zero padding 2, padded zeros counted (torch AvgPool2d defaults), computed as a
     * separable box filter: out = B_h · x · B_w with B (n × n) banded, B[i][j] = 1/5 for |i − j| ≤ 2. Equal to the
     * pooling up to rounding, and several times faster than torch's NCHW pooling kernel on CPU.
     */
    static PtNDArray boxFilter5(PtNDArray x, PtNDArray boxH, PtNDArray boxW) {
        NDArray alongW = x.matMul(boxW);
        PtNDArray out = pt(boxH.matMul(alongW));
        alongW.close();
        out.attach(x.getManager());
        return out;
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
     * Bilinear resize with align_corners=True, as separable interpolation matrices: out = A_h · x · A_wᵀ, where row
     * i of A (out × in) puts weights 1−λ and λ on input positions ⌊s⌋ and ⌊s⌋+1 for s = i·(in−1)/(out−1).
     * (DJL's native interpolate turns on anti-aliasing, which does not give torch's plain bilinear result.)
     * Differentiable in x. rowsT is A_wᵀ (in_w × out_w), cols is A_h (out_h × in_h).
     */
    static PtNDArray resizeBilinear(PtNDArray x, PtNDArray cols, PtNDArray rowsT) {
        NDArray alongW = x.matMul(rowsT); // [..., inH, outW]
        PtNDArray out = pt(cols.matMul(alongW)); // [..., outH, outW]
        alongW.close();
        out.attach(x.getManager());
        return out;
    }

    /** Bilinear align-corners resize with freshly made matrices (for tests and one-off use). */
    static PtNDArray resizeBilinear(PtNDArray x, long height, long width, NDManager scratch) {
        Shape s = x.getShape();
        int inH = Math.toIntExact(s.get(s.dimension() - 2));
        int inW = Math.toIntExact(s.get(s.dimension() - 1));
        int outH = Math.toIntExact(height);
        int outW = Math.toIntExact(width);
        try (PtNDArray cols = pt(scratch.create(interpolationMatrix(inH, outH, false), new Shape(outH, inH)));
             PtNDArray rowsT = pt(scratch.create(interpolationMatrix(inW, outW, true), new Shape(inW, outW)))) {
            return resizeBilinear(x, cols, rowsT);
        }
    }

    /** The (out × in) align-corners interpolation matrix, or its transpose (in × out), row-major. */
    static float[] interpolationMatrix(int in, int out, boolean transposed) {
        float[] m = new float[in * out];
        double scale = out > 1 ? (double) (in - 1) / (out - 1) : 0.0;
        for (int i = 0; i < out; i++) {
            double src = i * scale;
            int i0 = Math.min((int) Math.floor(src), in - 1);
            int i1 = Math.min(i0 + 1, in - 1);
            float lambda = (float) (src - i0);
            int a = transposed ? i0 * out + i : i * in + i0;
            int b = transposed ? i1 * out + i : i * in + i1;
            m[a] += 1f - lambda;
            m[b] += lambda;
        }
        return m;
    }

    /** Gathers rows of an embedding table: weight [L, D], indices int64 [N] → [N, D], differentiable in weight. */
    static PtNDArray embedding(PtNDArray indices, PtNDArray weight) {
        return JniUtils.embedding(indices, weight, false);
    }

    /**
     * Batch normalisation with batch statistics (training mode), per-channel affine weight and bias. The running
     * buffers are scratch: torch insists on updating something, momentum 0 leaves them unchanged.
     */
    static PtNDArray batchNormTraining(PtNDArray x, PtNDArray scratchMean, PtNDArray scratchVar,
                                       PtNDArray weight, PtNDArray bias, double eps) {
        // native argument order: input, running mean, running var, weight, bias
        return JniUtils.batchNorm(x, scratchMean, scratchVar, weight, bias, true, 0.0, eps);
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
