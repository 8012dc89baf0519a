package dev.ncsn.model.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;

/**
 * Reading and zeroing parameter gradients with DJL's PyTorch engine (0.35). What the engine does, from its source:
 * <ul>
 *   <li>{@code NDArray.getGradient()} wraps the tensor's {@code .grad} in a <em>new</em> NDArray handle attached to
 *       the parameter's manager on every call (sharing storage with the gradient), or returns a new array of zeros
 *       when no backward has reached the parameter yet. Each handle has to be closed (here: attached to a
 *       temporary manager), or the parameter's manager collects them.</li>
 *   <li>{@code GradientCollector} does not zero gradients when it opens (the call is commented out in
 *       PtGradientCollector) nor when it closes; PyTorch accumulates every backward into {@code .grad}. So whoever
 *       consumes the gradients has to zero them: {@link Adam#step} does, right after using them, with the engine's
 *       {@code JniUtils.zeroGrad} (an in-place {@code grad.zero_()} under a no-grad guard).</li>
 * </ul>
 */
final class Gradients {

    private Gradients() {
    }

    /** The gradient of a parameter, as a handle owned by {@code into}. */
    static NDArray read(NDArray parameter, NDManager into) {
        NDArray g = parameter.getGradient();
        g.attach(into);
        return g;
    }

    /** Zeroes a parameter's gradient in place (no-op if it has none yet). */
    static void zero(NDArray parameter) {
        JniUtils.zeroGrad((PtNDArray) parameter);
    }
}
