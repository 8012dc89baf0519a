package dev.ncsn.model.toy;

import dev.ncsn.model.OwnedArrays;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import dev.ncsn.model.NoiseSchedule;
import dev.ncsn.model.TrainableScoreModel;
import dev.ncsn.model.loss.JvpScoreModel;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * A small noise-conditional score network for 2-D toy data (the paper's Figures 2–3 with a learned score). It is the
 * reference toy score net (Linear(2,128) → Softplus → Linear(128,128) → Softplus → Linear(128,2)) made
 * noise-conditional the way the image network is: each hidden layer's pre-activation gets a learned per-level gain
 * and bias (a conditional affine layer, as in conditional instance normalisation, without the normalisation):
 * <pre>
 *   u  = x / √(1 + σ_i²)                                 input scaled to O(1) at every level
 *   h1 = softplus((u·W1 + b1) ⊙ γ1[i] + β1[i])
 *   h2 = softplus((h1·W2 + b2) ⊙ γ2[i] + β2[i])
 *   s  = (h2·W3 + b3) / σ_i                              NCSNv2's output scaling by 1/σ
 * </pre>
 * The fixed input and output scalings keep every level's regression target σ·s ≈ −z of order one; they add no
 * parameters. Softplus keeps s smooth in x, as sliced score matching needs.
 *
 * <p>Parameters, in this order: {@code fc1.weight} [2, H], {@code fc1.bias} [H], {@code cond1.gain} [L, H],
 * {@code cond1.bias} [L, H], {@code fc2.weight} [H, H], {@code fc2.bias} [H], {@code cond2.gain},
 * {@code cond2.bias}, {@code fc3.weight} [H, 2], {@code fc3.bias} [2]. Linear weights and biases start like
 * PyTorch's Linear, U(−1/√fan_in, 1/√fan_in), drawn from a {@link SplittableRandom} seeded at construction (in the
 * order fc1.weight, fc1.bias, fc2.weight, fc2.bias, fc3.weight, fc3.bias, row-major); gains start at 1 and biases
 * of the conditional layers at 0.
 *
 * <p>{@link #scoreAndJvp} also carries the tangent J·v through the same layers (forward mode), for sliced score
 * matching. All intermediates of a call are closed before it returns; results are attached to x's manager.
 */
public final class ToyScoreNetwork implements TrainableScoreModel, JvpScoreModel {

    public static final int DEFAULT_HIDDEN = 128;
    private static final int DIM = 2;

    private final NoiseSchedule schedule;
    private final int hidden;
    private final NDManager manager;
    private final Map<String, NDArray> parameters;
    private final float[] inputScale;
    private final float[] outputScale;
    private final NDArray w1;
    private final NDArray b1;
    private final NDArray gain1;
    private final NDArray bias1;
    private final NDArray w2;
    private final NDArray b2;
    private final NDArray gain2;
    private final NDArray bias2;
    private final NDArray w3;
    private final NDArray b3;

    public ToyScoreNetwork(NoiseSchedule schedule, long seed) {
        this(schedule, DEFAULT_HIDDEN, seed);
    }

    /** With its own base manager on the default device. */
    public ToyScoreNetwork(NoiseSchedule schedule, int hidden, long seed) {
        this(NDManager.newBaseManager(), schedule, hidden, seed);
    }

    /** Parameters in {@code manager} (a sub-manager of it is not made: the network closes the one it is given). */
    public ToyScoreNetwork(NDManager manager, NoiseSchedule schedule, int hidden, long seed) {
        if (hidden < 1) {
            throw new IllegalArgumentException("hidden width must be positive, got " + hidden);
        }
        this.schedule = schedule;
        this.hidden = hidden;
        this.manager = manager;
        int levels = schedule.levels();
        inputScale = new float[levels];
        outputScale = new float[levels];
        for (int i = 0; i < levels; i++) {
            double sigma = schedule.sigma(i);
            inputScale[i] = (float) (1 / Math.sqrt(1 + sigma * sigma));
            outputScale[i] = (float) (1 / sigma);
        }
        SplittableRandom random = new SplittableRandom(seed);
        float[] w1v = uniform(random, DIM * hidden, DIM);
        float[] b1v = uniform(random, hidden, DIM);
        float[] w2v = uniform(random, hidden * hidden, hidden);
        float[] b2v = uniform(random, hidden, hidden);
        float[] w3v = uniform(random, hidden * DIM, hidden);
        float[] b3v = uniform(random, DIM, hidden);
        Map<String, NDArray> p = new LinkedHashMap<>();
        w1 = parameter(p, "fc1.weight", w1v, new Shape(DIM, hidden));
        b1 = parameter(p, "fc1.bias", b1v, new Shape(hidden));
        gain1 = parameter(p, "cond1.gain", filled(levels * hidden, 1f), new Shape(levels, hidden));
        bias1 = parameter(p, "cond1.bias", filled(levels * hidden, 0f), new Shape(levels, hidden));
        w2 = parameter(p, "fc2.weight", w2v, new Shape(hidden, hidden));
        b2 = parameter(p, "fc2.bias", b2v, new Shape(hidden));
        gain2 = parameter(p, "cond2.gain", filled(levels * hidden, 1f), new Shape(levels, hidden));
        bias2 = parameter(p, "cond2.bias", filled(levels * hidden, 0f), new Shape(levels, hidden));
        w3 = parameter(p, "fc3.weight", w3v, new Shape(hidden, DIM));
        b3 = parameter(p, "fc3.bias", b3v, new Shape(DIM));
        parameters = Collections.unmodifiableMap(p);
    }

    private NDArray parameter(Map<String, NDArray> into, String name, float[] values, Shape shape) {
        NDArray a = OwnedArrays.copyOf(manager, values, shape);
        a.setRequiresGradient(true);
        into.put(name, a);
        return a;
    }

    private static float[] uniform(SplittableRandom random, int count, int fanIn) {
        double bound = 1 / Math.sqrt(fanIn);
        float[] v = new float[count];
        for (int i = 0; i < count; i++) {
            v[i] = (float) random.nextDouble(-bound, bound);
        }
        return v;
    }

    private static float[] filled(int count, float value) {
        float[] v = new float[count];
        java.util.Arrays.fill(v, value);
        return v;
    }

    public int hidden() {
        return hidden;
    }

    @Override
    public Shape sampleShape() {
        return new Shape(DIM);
    }

    @Override
    public NoiseSchedule schedule() {
        return schedule;
    }

    @Override
    public Map<String, NDArray> parameters() {
        return parameters;
    }

    @Override
    public NDArray score(NDArray x, NDArray levels) {
        return forward(x, levels, null).get(0);
    }

    @Override
    public NDList scoreAndJvp(NDArray x, NDArray levels, NDArray v) {
        if (!v.getShape().equals(x.getShape())) {
            throw new IllegalArgumentException("direction of shape " + v.getShape() + " for x of shape "
                    + x.getShape());
        }
        return forward(x, levels, v);
    }

    /** [s] or [s, J·v]; every operation's left operand lives in a temporary manager, so nothing else collects. */
    private NDList forward(NDArray x, NDArray levels, NDArray v) {
        int n = check(x, levels);
        long[] level = levels.toLongArray();
        int numLevels = schedule.levels();
        float[] oneHot = new float[n * numLevels];
        float[] in = new float[n];
        float[] out = new float[n];
        for (int i = 0; i < n; i++) {
            int l = (int) level[i];
            if (l < 0 || l >= numLevels) {
                throw new IllegalArgumentException("level index " + l + " outside 0.." + (numLevels - 1));
            }
            oneHot[i * numLevels + l] = 1f;
            in[i] = inputScale[l];
            out[i] = outputScale[l];
        }
        NDManager result = x.getManager();
        try (NDManager tmp = result.newSubManager()) {
            NDArray levelRows = OwnedArrays.copyOf(tmp, oneHot, new Shape(n, numLevels));
            NDArray inScale = OwnedArrays.copyOf(tmp, in, new Shape(n, 1));
            NDArray outScale = OwnedArrays.copyOf(tmp, out, new Shape(n, 1));
            NDArray g1 = levelRows.matMul(gain1);
            NDArray g2 = levelRows.matMul(gain2);

            NDArray a1 = inScale.mul(x).matMul(w1).add(b1).mul(g1).add(levelRows.matMul(bias1));
            NDArray h1 = Activation.softPlus(a1);
            NDArray a2 = h1.matMul(w2).add(b2).mul(g2).add(levelRows.matMul(bias2));
            NDArray h2 = Activation.softPlus(a2);
            NDArray s = h2.matMul(w3).add(b3).mul(outScale);
            NDList outputs = new NDList(s);
            if (v != null) {
                // tangents: d(affine) = (t·W) ⊙ γ, d(softplus(a)) = sigmoid(a) ⊙ da
                NDArray t1 = Activation.sigmoid(a1).mul(inScale.mul(v).matMul(w1).mul(g1));
                NDArray t2 = Activation.sigmoid(a2).mul(t1.matMul(w2).mul(g2));
                outputs.add(t2.matMul(w3).mul(outScale));
            }
            outputs.attach(result);
            return outputs;
        }
    }

    private int check(NDArray x, NDArray levels) {
        Shape shape = x.getShape();
        if (shape.dimension() != 2 || shape.get(1) != DIM || x.getDataType() != DataType.FLOAT32) {
            throw new IllegalArgumentException("expected float32 [N, 2], got " + x.getDataType() + " " + shape);
        }
        if (levels.getDataType() != DataType.INT64 || levels.getShape().dimension() != 1
                || levels.getShape().get(0) != shape.get(0)) {
            throw new IllegalArgumentException("expected int64 levels [" + shape.get(0) + "], got "
                    + levels.getDataType() + " " + levels.getShape());
        }
        return Math.toIntExact(shape.get(0));
    }

    @Override
    public void close() {
        manager.close();
    }
}
