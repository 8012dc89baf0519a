package dev.ncsn.model.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.TreeSet;

/**
 * Adam (Kingma &amp; Ba) over named parameters, updating them in place; the paper trains with lr 10⁻³, β1 0.9,
 * β2 0.999, ε 10⁻⁸ ({@link #paper()}). The update is PyTorch's:
 * <pre>
 *   m ← β1·m + (1−β1)·g,  v ← β2·v + (1−β2)·g²,  t ← t+1
 *   θ ← θ − (lr / (1−β1ᵗ)) · m / (√v / √(1−β2ᵗ) + ε)
 * </pre>
 *
 * <p>Why not DJL's {@code ai.djl.training.optimizer.Adam}: it keeps its moments and per-parameter update counts in
 * private fields keyed by internal parameter ids, with no way to read or restore them, so a trainer could not
 * resume exactly after a crash. Here the whole state (step count, first and second moments by parameter name) is
 * {@link #exportState() exported} and {@link #importState imported} as plain arrays, and a resumed run continues
 * bit for bit like an uninterrupted one.
 *
 * <p>Use: {@code try (GradientCollector gc = …) { loss = …; gc.backward(loss); } adam.step(params);}.
 * {@link #step} reads each parameter's gradient, updates the moments and the parameter with the engine's fused
 * kernel ({@code JniUtils.adamUpdate}, one native call per parameter instead of a dozen array operations), then zeroes
 * the gradient (DJL's PyTorch GradientCollector never zeroes it; see {@link Gradients}). It runs under
 * {@link NoGrad}. PyTorch engine only.
 * The moments live in a manager this object owns; {@link #close()} frees them. Not thread-safe.
 */
public final class Adam implements AutoCloseable {

    public static final double PAPER_LEARNING_RATE = 1e-3;
    public static final double PAPER_BETA1 = 0.9;
    public static final double PAPER_BETA2 = 0.999;
    public static final double PAPER_EPSILON = 1e-8;

    /**
     * Everything needed to resume: the number of steps taken and both moments by parameter name (each flattened in
     * the parameter's row-major order). Moment maps are empty before the first step.
     */
    public record State(long step, Map<String, float[]> firstMoment, Map<String, float[]> secondMoment) {
        public State {
            Objects.requireNonNull(firstMoment, "firstMoment");
            Objects.requireNonNull(secondMoment, "secondMoment");
            if (step < 0) {
                throw new IllegalArgumentException("negative step count " + step);
            }
            if (!firstMoment.keySet().equals(secondMoment.keySet())) {
                throw new IllegalArgumentException("first and second moments name different parameters");
            }
            for (Map.Entry<String, float[]> e : firstMoment.entrySet()) {
                if (e.getValue().length != secondMoment.get(e.getKey()).length) {
                    throw new IllegalArgumentException("moments of " + e.getKey() + " differ in size");
                }
            }
            if (step > 0 && firstMoment.isEmpty()) {
                throw new IllegalArgumentException("a state after " + step + " steps has no moments");
            }
            firstMoment = Collections.unmodifiableMap(new LinkedHashMap<>(firstMoment));
            secondMoment = Collections.unmodifiableMap(new LinkedHashMap<>(secondMoment));
        }
    }

    private final double learningRate;
    private final double beta1;
    private final double beta2;
    private final double epsilon;

    private NDManager manager;
    private final Map<String, NDArray> first = new LinkedHashMap<>();
    private final Map<String, NDArray> second = new LinkedHashMap<>();
    /** Imported moments not yet turned into arrays (that needs the parameters' shapes and device). */
    private State pending;
    private long step;
    private boolean closed;

    public Adam(double learningRate, double beta1, double beta2, double epsilon) {
        if (!(learningRate > 0) || !(beta1 >= 0 && beta1 < 1) || !(beta2 >= 0 && beta2 < 1) || !(epsilon > 0)) {
            throw new IllegalArgumentException("invalid Adam settings: lr=" + learningRate + ", β1=" + beta1
                    + ", β2=" + beta2 + ", ε=" + epsilon);
        }
        this.learningRate = learningRate;
        this.beta1 = beta1;
        this.beta2 = beta2;
        this.epsilon = epsilon;
    }

    /** The paper's settings. */
    public static Adam paper() {
        return new Adam(PAPER_LEARNING_RATE, PAPER_BETA1, PAPER_BETA2, PAPER_EPSILON);
    }

    public double learningRate() {
        return learningRate;
    }

    /** Steps taken (including those of an imported state). */
    public long stepCount() {
        return step;
    }

    /**
     * One update of every parameter from its current gradient, which is then zeroed. The parameter names must be
     * the same at every step (and those of an imported state).
     */
    public void step(Map<String, NDArray> parameters) {
        ensureOpen();
        if (parameters.isEmpty()) {
            throw new IllegalArgumentException("no parameters to update");
        }
        prepareState(parameters);
        long t = step + 1;
        // PyTorch's θ −= (lr/bc1)·m/(√v/√bc2 + ε), rewritten as θ −= [lr·√bc2/bc1]·m/(√v + ε·√bc2): the form of
        // the engine's fused kernel (JniUtils.adamUpdate: m ← β1m + (1−β1)g, v ← β2v + (1−β2)g², θ −= c·m/(√v + ε'))
        // the kernel takes β1, β2 as float32 and so averages with (1 − (float) β); bias-correct with the same values
        double b1 = (float) beta1;
        double b2 = (float) beta2;
        double sqrtBiasCorrection2 = Math.sqrt(1 - Math.pow(b2, t));
        float scaledRate = (float) (learningRate * sqrtBiasCorrection2 / (1 - Math.pow(b1, t)));
        float scaledEpsilon = (float) (epsilon * sqrtBiasCorrection2);
        try (NoGrad ignored = NoGrad.enter(); NDManager tmp = manager.newSubManager()) {
            for (Map.Entry<String, NDArray> e : parameters.entrySet()) {
                PtNDArray parameter = (PtNDArray) e.getValue();
                PtNDArray g = (PtNDArray) Gradients.read(parameter, tmp);
                JniUtils.adamUpdate(parameter, g, (PtNDArray) first.get(e.getKey()),
                        (PtNDArray) second.get(e.getKey()), (float) learningRate, scaledRate, 0f, 1f, -1f,
                        (float) beta1, (float) beta2, scaledEpsilon, false);
                Gradients.zero(parameter);
            }
        }
        step = t;
    }

    /** A copy of the state, in the parameters' order. */
    public State exportState() {
        ensureOpen();
        if (pending != null) {
            return copy(pending);
        }
        Map<String, float[]> m = new LinkedHashMap<>();
        Map<String, float[]> v = new LinkedHashMap<>();
        for (String name : first.keySet()) {
            m.put(name, first.get(name).toFloatArray());
            v.put(name, second.get(name).toFloatArray());
        }
        return new State(step, m, v);
    }

    /**
     * Replaces the state (for resuming). The moments become arrays at the next {@link #step}, which checks that they
     * name exactly the parameters given and fit their sizes.
     */
    public void importState(State state) {
        ensureOpen();
        Objects.requireNonNull(state, "state");
        closeMoments();
        step = state.step();
        pending = state.firstMoment().isEmpty() ? null : copy(state);
    }

    private static State copy(State s) {
        Map<String, float[]> m = new LinkedHashMap<>();
        Map<String, float[]> v = new LinkedHashMap<>();
        s.firstMoment().forEach((k, a) -> m.put(k, a.clone()));
        s.secondMoment().forEach((k, a) -> v.put(k, a.clone()));
        return new State(s.step(), m, v);
    }

    private void prepareState(Map<String, NDArray> parameters) {
        NDArray any = parameters.values().iterator().next();
        if (manager == null) {
            manager = any.getManager().getEngine().newBaseManager(any.getDevice());
        }
        Map<String, float[]> importedFirst = pending == null ? null : pending.firstMoment();
        Map<String, float[]> importedSecond = pending == null ? null : pending.secondMoment();
        java.util.Set<String> known = importedFirst != null ? importedFirst.keySet() : first.keySet();
        if (!known.isEmpty() && !known.equals(parameters.keySet())) {
            TreeSet<String> missing = new TreeSet<>(parameters.keySet());
            missing.removeAll(known);
            TreeSet<String> extra = new TreeSet<>(known);
            extra.removeAll(parameters.keySet());
            throw new IllegalArgumentException("parameters do not match the optimiser state: no state for " + missing
                    + ", state for unknown " + extra);
        }
        if (step > 0 && known.isEmpty()) {
            throw new IllegalStateException("state after " + step + " steps has no moments");
        }
        if (!first.isEmpty()) {
            for (Map.Entry<String, NDArray> e : parameters.entrySet()) {
                if (!first.get(e.getKey()).getShape().equals(e.getValue().getShape())) {
                    throw new IllegalArgumentException("parameter " + e.getKey() + " changed shape");
                }
            }
            return;
        }
        for (Map.Entry<String, NDArray> e : parameters.entrySet()) {
            NDArray p = e.getValue();
            if (!(p instanceof PtNDArray)) {
                throw new IllegalArgumentException("parameter " + e.getKey() + " is not a PyTorch array");
            }
            if (p.getDataType() != DataType.FLOAT32) {
                throw new IllegalArgumentException("parameter " + e.getKey() + " is " + p.getDataType()
                        + ", expected float32");
            }
            if (importedFirst == null) {
                first.put(e.getKey(), manager.zeros(p.getShape(), DataType.FLOAT32));
                second.put(e.getKey(), manager.zeros(p.getShape(), DataType.FLOAT32));
            } else {
                float[] m = importedFirst.get(e.getKey());
                if (m.length != p.getShape().size()) {
                    throw new IllegalArgumentException("state of " + e.getKey() + " has " + m.length
                            + " values, the parameter " + p.getShape().size());
                }
                first.put(e.getKey(), manager.create(m, p.getShape()));
                second.put(e.getKey(), manager.create(importedSecond.get(e.getKey()), p.getShape()));
            }
        }
        pending = null;
    }

    private void closeMoments() {
        first.values().forEach(NDArray::close);
        second.values().forEach(NDArray::close);
        first.clear();
        second.clear();
    }

    private void ensureOpen() {
        if (closed) {
            throw new IllegalStateException("optimiser is closed");
        }
    }

    /** Frees the moments. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        closeMoments();
        if (manager != null) {
            manager.close();
        }
    }
}
