package dev.ncsn.model.net;

import dev.ncsn.model.OwnedArrays;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.engine.PtNDArray;
import dev.ncsn.model.NoiseSchedule;
import dev.ncsn.model.TrainableScoreModel;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

import static dev.ncsn.model.net.Ops.pt;

/**
 * What NCSN's and NCSNv2's score networks share: the dilated RefineNet of {@link Topology} on DJL's PyTorch engine,
 * its parameters, and the forward pass. The families differ in the layout's normalisations and in what they do with
 * the output ({@link NcsnScoreNetwork}: nothing; {@link NcsnV2ScoreNetwork}: divide by σ).
 *
 * <p>Input pixels in [0, 1] are mapped to [−1, 1]. Levels come per sample, so one batch may mix noise levels. Every
 * operation works per sample, so a sample's output depends on the rest of its batch only through floating-point
 * rounding of torch's batched kernels: with the same batch size and position the result is bit for bit the same
 * whatever the other samples and levels are; across batch sizes it may differ in the last bits (about 1e-6 of the
 * output scale, measured on 2 CPU threads): a batch of one takes different convolution kernels than larger batches,
 * and elementwise kernels switch between vectorised and scalar code at thread-split and tail boundaries (in tests,
 * samples of even-sized batches from 2 to 64 agreed bit for bit, while a lone sample and some positions of a batch
 * of 33 did not).
 *
 * <p>Parameters belong to the manager the network was created in; every array a forward pass makes is attached to
 * the manager of its input x, and all but the returned score are released before {@link #score} returns.
 * The network is safe to use from several threads at once as long as nobody updates the parameters meanwhile.
 */
public abstract sealed class RefineNetScoreNetwork implements TrainableScoreModel
        permits NcsnScoreNetwork, NcsnV2ScoreNetwork {

    final Architecture arch;
    final NoiseSchedule schedule;
    final Topology net;
    private final Map<String, NDArray> parameters;
    private final Map<String, Param> byName;
    private final Shape sampleShape;
    private volatile boolean closed;

    RefineNetScoreNetwork(Architecture arch, NoiseSchedule schedule, Topology net) {
        this.arch = arch;
        this.schedule = schedule;
        this.net = net;
        Map<String, NDArray> p = new LinkedHashMap<>();
        Map<String, Param> n = new LinkedHashMap<>();
        for (Param param : net.params) {
            p.put(param.name, param.array);
            n.put(param.name, param);
        }
        this.parameters = Collections.unmodifiableMap(p);
        this.byName = n;
        this.sampleShape = new Shape(arch.channels(), arch.imageSize(), arch.imageSize());
    }

    /**
     * Materialises a layout's parameters in {@code manager} (PyTorch's default initialisation, drawn from a generator
     * seeded with seed: the same seed always gives the same values), closing what it made when anything fails.
     */
    static Topology materialize(Topology net, NoiseSchedule schedule, NDManager manager, long seed) {
        Architecture arch = net.arch;
        if (schedule.levels() != arch.levels()) {
            throw new IllegalArgumentException("the schedule has " + schedule.levels() + " levels but the architecture "
                    + arch.levels());
        }
        if (!"PyTorch".equals(manager.getEngine().getEngineName())) {
            throw new IllegalArgumentException("the score network needs the PyTorch engine, got "
                    + manager.getEngine().getEngineName());
        }
        List<Param> made = new ArrayList<>();
        try {
            for (Param p : net.params) {
                NDArray a = OwnedArrays.copyOf(manager, p.initialValues(seed), p.shape);
                a.setRequiresGradient(true);
                p.array = pt(a);
                made.add(p);
            }
        } catch (RuntimeException e) {
            for (Param p : made) {
                p.array.close();
            }
            throw e;
        }
        return net;
    }

    static Map<String, Shape> shapesOf(Topology net) {
        Map<String, Shape> shapes = new LinkedHashMap<>();
        for (Param p : net.params) {
            shapes.put(p.name, p.shape);
        }
        return Collections.unmodifiableMap(shapes);
    }

    public Architecture architecture() {
        return arch;
    }

    @Override
    public Shape sampleShape() {
        return sampleShape;
    }

    @Override
    public NoiseSchedule schedule() {
        return schedule;
    }

    public long flopsPerImage() {
        return net.flops;
    }

    /** Scalar count summed over the actual parameter arrays. */
    public long parameterCount() {
        long n = 0;
        for (NDArray a : parameters.values()) {
            n += a.size();
        }
        return n;
    }

    /**
     * Scores of a batch. The autograd graph is recorded only when the calling thread is inside a DJL
     * GradientCollector (then the result is differentiable in the parameters and, if it requires a gradient, in
     * x); otherwise the pass runs with gradient recording switched off, whatever the thread's grad mode.
     */
    @Override
    public NDArray score(NDArray x, NDArray levels) {
        return forward(x, levels, Ops.gradientsRequested());
    }

    /** Scores with gradient recording off: the inference path for samplers. */
    public NDArray scoreWithoutGradients(NDArray x, NDArray levels) {
        return forward(x, levels, false);
    }

    /**
     * One forward pass.
     *
     * @param x               float32 [N, C, H, W], pixels in [0, 1]
     * @param levels          integer [N], 0-based level index per sample
     * @param recordGradients whether to record the autograd graph (grad mode is set for the pass and restored)
     * @return float32 [N, C, H, W] attached to x's manager
     */
    public NDArray forward(NDArray x, NDArray levels, boolean recordGradients) {
        checkOpen();
        checkInputs(pt(x), levels);
        return run(x, levels, null, recordGradients);
    }

    /**
     * One pass of the RefineNet and {@link #finish}: levels condition the normalisations when the layout is
     * conditional; sigmas (one per sample, or null) are handed to {@link #finish}. Inputs are checked by the caller.
     */
    final NDArray run(NDArray x, NDArray levels, float[] sigmas, boolean recordGradients) {
        PtNDArray input = pt(x);
        boolean previous = Ops.isGradMode();
        if (previous != recordGradients) {
            Ops.setGradMode(recordGradients);
        }
        NDManager home = x.getManager();
        try (NDManager scope = home.newSubManager()) {
            PtNDArray lv = null;
            if (levels != null) {
                lv = pt(levels.toType(DataType.INT64, true));
                lv.attach(scope);
            }
            Layers.Pass pass = new Layers.Pass(scope, net.conditional ? lv : null);

            PtNDArray in = pt(input.mul(OwnedArrays.scalar(scope, 2f))); // owned: autograd may keep it
            in.attach(scope);
            in.subi(1f);
            PtNDArray begin = net.beginConv.apply(in);
            Layers.free(in);
            PtNDArray h = Ops.channelsLast(begin); // from here on every activation is channels-last
            Layers.free(begin);

            PtNDArray layer1 = chain(net.res1, h, pass);
            Layers.free(h);
            PtNDArray layer2 = chain(net.res2, layer1, pass);
            PtNDArray layer3 = chain(net.res3, layer2, pass);
            PtNDArray layer4 = chain(net.res4, layer3, pass);

            PtNDArray ref1 = net.refine1.apply(List.of(layer4), pass);
            Layers.free(layer4);
            PtNDArray ref2 = net.refine2.apply(List.of(layer3, ref1), pass);
            Layers.free(layer3);
            Layers.free(ref1);
            PtNDArray ref3 = net.refine3.apply(List.of(layer2, ref2), pass);
            Layers.free(layer2);
            Layers.free(ref2);
            PtNDArray ref4 = net.refine4.apply(List.of(layer1, ref3), pass);
            Layers.free(layer1);
            Layers.free(ref3);

            PtNDArray t = net.normalizer.apply(ref4, pass);
            Layers.free(ref4);
            PtNDArray a = Ops.elu(t);
            Layers.free(t);
            PtNDArray score = net.endConv.apply(a);
            Layers.free(a);
            PtNDArray finished = finish(score, lv, sigmas, scope);
            if (finished != score) {
                Layers.free(score);
            }
            PtNDArray out = Ops.contiguous(finished);
            Layers.free(finished);
            out.attach(home);
            return out;
        } finally {
            if (previous != recordGradients) {
                Ops.setGradMode(previous);
            }
        }
    }

    /**
     * What the family does with the RefineNet's output before it is returned: the score itself (NCSN) or the output
     * divided by σ (NCSNv2). Returns {@code out} itself or a new array in {@code scope}.
     *
     * @param levels int64 [N] level indices, or null when the pass was given σ values
     * @param sigmas one σ per sample, or null when the pass was given level indices
     */
    abstract PtNDArray finish(PtNDArray out, PtNDArray levels, float[] sigmas, NDManager scope);

    private static PtNDArray chain(Layers.ResBlock[] blocks, PtNDArray x, Layers.Pass pass) {
        PtNDArray h = x;
        for (Layers.ResBlock b : blocks) {
            PtNDArray next = b.apply(h, pass);
            if (h != x) {
                Layers.free(h);
            }
            h = next;
        }
        return h;
    }

    final void checkInputs(PtNDArray x, NDArray levels) {
        checkImages(x);
        Shape s = x.getShape();
        Shape ls = levels.getShape();
        if (ls.dimension() != 1 || ls.get(0) != s.get(0)) {
            throw new IllegalArgumentException("expected levels of shape [" + s.get(0) + "], got " + ls);
        }
        DataType t = levels.getDataType();
        if (t != DataType.INT64 && t != DataType.INT32) {
            throw new IllegalArgumentException("levels must be int64 (or int32) indices, got " + t);
        }
        if (ls.get(0) > 0) {
            long min;
            long max;
            try (NDArray lo = levels.min(); NDArray hi = levels.max()) {
                min = lo.toType(DataType.INT64, false).getLong();
                max = hi.toType(DataType.INT64, false).getLong();
            }
            if (min < 0 || max >= arch.levels()) {
                throw new IndexOutOfBoundsException("level indices must lie in 0.." + (arch.levels() - 1)
                        + ", got " + min + ".." + max);
            }
        }
    }

    final void checkImages(PtNDArray x) {
        Shape s = x.getShape();
        if (s.dimension() != 4 || s.get(1) != sampleShape.get(0) || s.get(2) != sampleShape.get(1)
                || s.get(3) != sampleShape.get(2)) {
            throw new IllegalArgumentException("expected x of shape [N, " + sampleShape.get(0) + ", "
                    + sampleShape.get(1) + ", " + sampleShape.get(2) + "], got " + s);
        }
        if (x.getDataType() != DataType.FLOAT32) {
            throw new IllegalArgumentException("expected float32 x, got " + x.getDataType());
        }
    }

    /** The parameters by stable name, in a fixed order; the arrays are owned by this network. */
    @Override
    public Map<String, NDArray> parameters() {
        return parameters;
    }

    /** Names and shapes of this network's parameters, in order. */
    public Map<String, Shape> parameterShapes() {
        return shapesOf(net);
    }

    /** A copy of every parameter's values (row-major), by name in order: for checkpoints. */
    @Override
    public Map<String, float[]> parameterValues() {
        checkOpen();
        Map<String, float[]> values = new LinkedHashMap<>();
        for (Param p : net.params) {
            values.put(p.name, p.array.toFloatArray());
        }
        return values;
    }

    /**
     * Replaces the values of all parameters, e.g. from a checkpoint. The map must name exactly this network's
     * parameters, each with shape-many values (row-major); nothing is changed when any check fails.
     */
    public void loadParameters(Map<String, float[]> values) {
        checkOpen();
        Set<String> missing = new TreeSet<>(byName.keySet());
        missing.removeAll(values.keySet());
        Set<String> unknown = new TreeSet<>(values.keySet());
        unknown.removeAll(byName.keySet());
        if (!missing.isEmpty() || !unknown.isEmpty()) {
            throw new IllegalArgumentException("parameter names do not match the architecture " + arch
                    + (missing.isEmpty() ? "" : "; missing " + missing)
                    + (unknown.isEmpty() ? "" : "; unknown " + unknown));
        }
        for (Map.Entry<String, float[]> e : values.entrySet()) {
            checkLength(byName.get(e.getKey()), e.getValue());
        }
        for (Map.Entry<String, float[]> e : values.entrySet()) {
            byName.get(e.getKey()).array.set(e.getValue());
        }
    }

    /** Replaces one parameter's values; the length must equal its shape's size. */
    public void setParameter(String name, float[] values) {
        checkOpen();
        Param p = byName.get(name);
        if (p == null) {
            throw new IllegalArgumentException("no parameter named " + name);
        }
        checkLength(p, values);
        p.array.set(values);
    }

    private static void checkLength(Param p, float[] v) {
        if (v == null || v.length != p.size()) {
            throw new IllegalArgumentException("parameter " + p.name + " has shape " + p.shape + " (" + p.size()
                    + " values), got " + (v == null ? "null" : v.length + " values"));
        }
    }

    final void checkOpen() {
        if (closed) {
            throw new IllegalStateException("the score network is closed");
        }
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        for (Param p : net.params) {
            if (p.array != null) {
                p.array.close();
            }
        }
    }
}
