package dev.ncsn.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;

/**
 * Arrays whose memory PyTorch owns, for everything that enters an autograd graph.
 *
 * <p>Why: on the CPU, DJL's PyTorch engine wraps Java data without copying ({@code from_blob} over a direct
 * ByteBuffer that only the Java handle keeps alive). Autograd keeps tensors it needs for the backward pass, but
 * once the Java handle is closed the buffer can be garbage-collected under it, and the backward pass then reads
 * freed memory: wrong or NaN gradients at random steps. The same happens inside DJL's {@code mul(Number)},
 * {@code div(Number)}, {@code muli(Number)} …, which create a scalar that way and close it at once. So code that
 * may run under a gradient collector uses {@link #scalar} and {@link #copyOf} instead (a regression test forces a
 * GC between forward and backward).
 */
public final class OwnedArrays {

    private OwnedArrays() {
    }

    /** A 0-d float32 array allocated by PyTorch. */
    public static NDArray scalar(NDManager manager, float value) {
        return manager.full(new Shape(), value);
    }

    /** A PyTorch-owned copy of Java data. */
    public static NDArray copyOf(NDManager manager, float[] data, Shape shape) {
        return own(manager.create(data, shape));
    }

    /** A PyTorch-owned int64 copy of Java data. */
    public static NDArray copyOf(NDManager manager, long[] data) {
        return own(manager.create(data));
    }

    /** Replaces a Java-backed array by a PyTorch-owned clone, closing the original. */
    public static NDArray own(NDArray javaBacked) {
        NDArray owned = javaBacked.duplicate();
        javaBacked.close();
        return owned;
    }
}
