package dev.ncsn.model.net;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.engine.PtNDArray;
import dev.ncsn.model.NoiseSchedule;
import dev.ncsn.model.OwnedArrays;

import java.util.Map;

import static dev.ncsn.model.net.Ops.pt;

/**
 * The score network of NCSNv2 (Song &amp; Ermon 2020, ermongroup/ncsnv2 {@code models/ncsnv2.py} {@code NCSNv2}):
 * the dilated RefineNet with the unconditional InstanceNorm++ and no normalisation inside the refine blocks, whose
 * output is divided by σ (the paper's Technique 3, s(x, σ) = s(x)/σ). The network itself does not depend on the noise
 * level, so it accepts any σ ({@link #scoreAtSigmas}), not only the levels it was trained for; {@link #score} looks
 * the σ of each level index up in its schedule.
 *
 * <p>Parameter names follow the reference's state_dict keys (e.g. {@code res2.0.normalize1.alpha},
 * {@code refine4.output_convs.3_2_conv.weight}); the architecture's level count is its schedule's, and changes no
 * parameter. The forward pass, its determinism and its memory rules are {@link RefineNetScoreNetwork}'s.
 */
public final class NcsnV2ScoreNetwork extends RefineNetScoreNetwork {

    /** The family name in checkpoint manifests. */
    public static final String FAMILY_NAME = "ncsnv2";

    /** The reference's CIFAR-10 configuration (configs/cifar10.yml): 32×32×3, ngf 128, 232 levels. */
    public static final String CIFAR10 = "ncsnv2-cifar10";
    /** For CPU training on 28×28×1 Fashion-MNIST: ngf {@value #COMPACT_NGF}; see the shared-model README. */
    public static final String COMPACT = "ncsnv2-compact";
    /** ngf of the compact preset: the same width as NCSN's compact preset. */
    public static final int COMPACT_NGF = 16;
    /**
     * Levels of the compact preset: Technique 2's rule (C ≥ 0.5) for D = 784 from σ1 = {@value #COMPACT_SIGMA_MAX}
     * down to σL = 0.01, as {@code ./ncsn schedule --data /usr/share/datasets/fashion-mnist} prints it.
     */
    public static final int COMPACT_LEVELS = 99;
    /**
     * σ1 of the compact preset's schedule: Technique 1 on the 60,000 Fashion-MNIST training images (their farthest
     * pair is 22.4561 apart), rounded up.
     */
    public static final double COMPACT_SIGMA_MAX = 22.46;

    /** This network as {@link ScoreNetworks} registers it. */
    public static final NetworkFamily FAMILY = new NetworkFamily(FAMILY_NAME,
            "NCSNv2: unconditional RefineNet, output divided by σ (Song & Ermon 2020)",
            NcsnV2ScoreNetwork::create, NcsnV2ScoreNetwork::parameterCount, NcsnV2ScoreNetwork::flopsPerImage,
            NcsnV2ScoreNetwork::defaultSchedule,
            /* designsSchedule */ true, /* finalDenoiseByDefault */ true, /* acceptsAnySigma */ true,
            NcsnScoreNetwork.presets(
                    new Architecture(FAMILY_NAME, CIFAR10, 3, 32, 128, 232),
                    new Architecture(FAMILY_NAME, COMPACT, 1, 28, COMPACT_NGF, COMPACT_LEVELS)));

    private NcsnV2ScoreNetwork(Architecture arch, NoiseSchedule schedule, Topology net) {
        super(arch, schedule, net);
    }

    /** A freshly initialised network for the given noise schedule, whose level count must match arch.levels. */
    public static NcsnV2ScoreNetwork create(Architecture arch, NoiseSchedule schedule, NDManager manager, long seed) {
        if (!FAMILY_NAME.equals(arch.family())) {
            throw new IllegalArgumentException("NcsnV2ScoreNetwork builds the " + FAMILY_NAME + " family, not "
                    + arch.family() + " (build networks through ScoreNetworks)");
        }
        return new NcsnV2ScoreNetwork(arch, schedule, materialize(new Topology(arch, false), schedule, manager, seed));
    }

    /**
     * The schedule of a preset: the reference's σ1 = 50 to σL = 0.01 over 232 levels for {@value #CIFAR10}, σ1 =
     * {@value #COMPACT_SIGMA_MAX} to 0.01 over {@value #COMPACT_LEVELS} for {@value #COMPACT}; for other
     * architectures of the family, σ from 1 to 0.01 over its levels.
     */
    public static NoiseSchedule defaultSchedule(Architecture arch) {
        if (arch.preset().equals(CIFAR10) && arch.levels() == 232) {
            return new NoiseSchedule(50.0, 0.01, 232);
        }
        if (arch.preset().equals(COMPACT) && arch.levels() == COMPACT_LEVELS) {
            return new NoiseSchedule(COMPACT_SIGMA_MAX, 0.01, COMPACT_LEVELS);
        }
        return NoiseSchedule.images(arch.levels());
    }

    /** Parameter names and shapes, in the network's fixed order, without creating anything. */
    public static Map<String, Shape> parameterShapes(Architecture arch) {
        return shapesOf(new Topology(arch, false));
    }

    /** Number of scalar parameters (analytic, from the layout); it does not depend on the level count. */
    public static long parameterCount(Architecture arch) {
        return new Topology(arch, false).parameterCount();
    }

    /** Convolution FLOPs of one forward pass for one image, counted as {@link NcsnScoreNetwork#flopsPerImage}. */
    public static long flopsPerImage(Architecture arch) {
        return new Topology(arch, false).flops;
    }

    /** s(x)/σ is defined at every σ, so samplers may use levels of their own (the sampling README's levels). */
    @Override
    public boolean acceptsAnySigma() {
        return FAMILY.acceptsAnySigma();
    }

    /**
     * Scores at arbitrary noise levels: s(x)/σ with one σ per sample, which need not be a level of the schedule.
     * Records the autograd graph only inside a gradient collector, as {@link #score}.
     *
     * @param x      float32 [N, C, H, W], pixels in [0, 1]
     * @param sigmas [N] positive, finite σ values (any numeric type)
     */
    @Override
    public NDArray scoreAtSigmas(NDArray x, NDArray sigmas) {
        checkOpen();
        checkImages(pt(x));
        Shape s = sigmas.getShape();
        if (s.dimension() != 1 || s.get(0) != x.getShape().get(0)) {
            throw new IllegalArgumentException("expected sigmas of shape [" + x.getShape().get(0) + "], got " + s);
        }
        float[] values = sigmas.toType(ai.djl.ndarray.types.DataType.FLOAT32, false).toFloatArray();
        for (float v : values) {
            if (!(v > 0) || Float.isInfinite(v)) {
                throw new IllegalArgumentException("σ must be positive and finite, got " + v);
            }
        }
        return run(x, null, values, Ops.gradientsRequested());
    }

    @Override
    PtNDArray finish(PtNDArray out, PtNDArray levels, float[] sigmas, NDManager scope) {
        long n = out.getShape().get(0);
        float[] used = sigmas;
        if (used == null) {
            long[] index = levels.toLongArray();
            used = new float[index.length];
            for (int i = 0; i < index.length; i++) {
                used[i] = (float) schedule.sigma(Math.toIntExact(index[i]));
            }
        }
        // PyTorch-owned: the division keeps σ for its backward pass (see OwnedArrays)
        NDArray sigma = OwnedArrays.copyOf(scope, used, new Shape(n, 1, 1, 1));
        return pt(out.div(sigma));
    }
}
