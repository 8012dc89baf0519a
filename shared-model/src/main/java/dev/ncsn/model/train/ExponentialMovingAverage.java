package dev.ncsn.model.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import dev.ncsn.model.TrainableScoreModel;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeSet;

/**
 * An exponential moving average of named parameters (NCSNv2's EMA, rate μ = 0.999): shadow copies that follow
 * the parameters after each optimiser step, {@code shadow ← μ·shadow + (1−μ)·θ}. The shadows start as copies of
 * the parameters at construction, are {@link #exportState() exported} and {@link #importState imported} by name for
 * exact resume, and are {@link #copyTo copied into a model} to publish or evaluate the averaged weights.
 *
 * <p>The shadows live in a manager this object owns; {@link #close()} frees them. Updates run under {@link NoGrad}.
 * Not thread-safe.
 */
public final class ExponentialMovingAverage implements AutoCloseable {

    /** NCSNv2's rate. */
    public static final double NCSNV2_RATE = 0.999;

    private final double rate;
    private final NDManager manager;
    private final Map<String, NDArray> shadows = new LinkedHashMap<>();
    private boolean closed;

    /** Shadows start as copies of {@code parameters}. */
    public ExponentialMovingAverage(Map<String, NDArray> parameters, double rate) {
        if (!(rate >= 0 && rate < 1)) {
            throw new IllegalArgumentException("EMA rate must be in [0, 1), got " + rate);
        }
        if (parameters.isEmpty()) {
            throw new IllegalArgumentException("no parameters to average");
        }
        this.rate = rate;
        NDArray any = parameters.values().iterator().next();
        manager = any.getManager().getEngine().newBaseManager(any.getDevice());
        try (NoGrad ignored = NoGrad.enter()) {
            for (Map.Entry<String, NDArray> e : parameters.entrySet()) {
                if (e.getValue().getDataType() != DataType.FLOAT32) {
                    throw new IllegalArgumentException("parameter " + e.getKey() + " is not float32");
                }
                NDArray copy = e.getValue().stopGradient();
                NDArray shadow = copy.duplicate();
                copy.close();
                shadow.attach(manager);
                shadows.put(e.getKey(), shadow);
            }
        } catch (RuntimeException ex) {
            manager.close();
            throw ex;
        }
    }

    public ExponentialMovingAverage(Map<String, NDArray> parameters) {
        this(parameters, NCSNV2_RATE);
    }

    public double rate() {
        return rate;
    }

    /** shadow ← μ·shadow + (1−μ)·θ for every parameter; call after each optimiser step. */
    public void update(Map<String, NDArray> parameters) {
        ensureOpen();
        checkNames(parameters);
        float mu = (float) rate;
        float oneMinusMu = (float) (1 - rate);
        try (NoGrad ignored = NoGrad.enter(); NDManager tmp = manager.newSubManager()) {
            for (Map.Entry<String, NDArray> e : parameters.entrySet()) {
                NDArray scaled = e.getValue().mul(oneMinusMu);
                scaled.attach(tmp);
                shadows.get(e.getKey()).muli(mu).addi(scaled);
            }
        }
    }

    /** Writes the shadows into the parameters, in place (same names required). */
    public void copyTo(Map<String, NDArray> parameters) {
        ensureOpen();
        checkNames(parameters);
        try (NoGrad ignored = NoGrad.enter()) {
            for (Map.Entry<String, NDArray> e : parameters.entrySet()) {
                NDArray shadow = shadows.get(e.getKey());
                if (!shadow.getShape().equals(e.getValue().getShape())) {
                    throw new IllegalArgumentException("parameter " + e.getKey() + " has shape "
                            + e.getValue().getShape() + ", its average " + shadow.getShape());
                }
            }
            for (Map.Entry<String, NDArray> e : parameters.entrySet()) {
                e.getValue().set(shadows.get(e.getKey()).toByteBuffer());
            }
        }
    }

    /** Writes the averaged weights into a model (e.g. a separate copy used for publishing or evaluation). */
    public void copyTo(TrainableScoreModel model) {
        copyTo(model.parameters());
    }

    /** The shadows by name, flattened row-major, in the parameters' order. */
    public Map<String, float[]> exportState() {
        ensureOpen();
        Map<String, float[]> out = new LinkedHashMap<>();
        shadows.forEach((k, v) -> out.put(k, v.toFloatArray()));
        return out;
    }

    /** Replaces the shadows (for resuming): the same names and sizes as at construction. */
    public void importState(Map<String, float[]> state) {
        ensureOpen();
        checkNames(state);
        for (Map.Entry<String, float[]> e : state.entrySet()) {
            if (e.getValue().length != shadows.get(e.getKey()).getShape().size()) {
                throw new IllegalArgumentException("average of " + e.getKey() + " has " + e.getValue().length
                        + " values, expected " + shadows.get(e.getKey()).getShape().size());
            }
        }
        for (Map.Entry<String, float[]> e : state.entrySet()) {
            shadows.get(e.getKey()).set(e.getValue());
        }
    }

    private void checkNames(Map<String, ?> named) {
        if (!named.keySet().equals(shadows.keySet())) {
            TreeSet<String> missing = new TreeSet<>(shadows.keySet());
            missing.removeAll(named.keySet());
            TreeSet<String> extra = new TreeSet<>(named.keySet());
            extra.removeAll(shadows.keySet());
            throw new IllegalArgumentException("names do not match the averaged parameters: missing " + missing
                    + ", unknown " + extra);
        }
    }

    private void ensureOpen() {
        if (closed) {
            throw new IllegalStateException("moving average is closed");
        }
    }

    @Override
    public void close() {
        if (!closed) {
            closed = true;
            manager.close();
        }
    }
}
