package dev.ncsn.model.net;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.engine.PtNDArray;
import dev.ncsn.model.NoiseSchedule;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The noise-conditional score network of Song and Ermon (2019), appendix A: a dilated RefineNet with
 * CondInstanceNorm++ and ELU activations (the reference code's CondRefineNetDilated), on DJL's PyTorch engine.
 *
 * <p>Every normalisation layer is conditioned on the level index, so the network knows only the levels it was
 * trained for; the output is the score estimate itself (not divided by σ). The forward pass, its determinism and
 * its memory rules are {@link RefineNetScoreNetwork}'s.
 */
public final class NcsnScoreNetwork extends RefineNetScoreNetwork {

    /** The family name in checkpoint manifests; manifests without a family are this one. */
    public static final String FAMILY_NAME = "ncsn";

    /** This network as {@link ScoreNetworks} registers it, with the reference code's sizes as presets. */
    public static final NetworkFamily FAMILY = new NetworkFamily(FAMILY_NAME,
            "NCSN: CondRefineNetDilated, level-conditioned (Song & Ermon 2019, appendix A)",
            NcsnScoreNetwork::create, NcsnScoreNetwork::parameterCount, NcsnScoreNetwork::flopsPerImage,
            arch -> defaultSchedule(arch.levels()),
            /* designsSchedule */ false, /* finalDenoiseByDefault */ false, /* acceptsAnySigma */ false,
            presets(
                    new Architecture(FAMILY_NAME, Architecture.MNIST, 1, 28, 64, 10),
                    new Architecture(FAMILY_NAME, Architecture.CIFAR10, 3, 32, 128, 10),
                    new Architecture(FAMILY_NAME, Architecture.COMPACT, 1, 28, Architecture.COMPACT_NGF, 10)));

    private NcsnScoreNetwork(Architecture arch, NoiseSchedule schedule, Topology net) {
        super(arch, schedule, net);
    }

    static Map<String, Architecture> presets(Architecture... presets) {
        Map<String, Architecture> byName = new LinkedHashMap<>();
        for (Architecture a : presets) {
            byName.put(a.preset(), a);
        }
        return byName;
    }

    /**
     * A freshly initialised network (PyTorch's default initialisation, drawn from a generator seeded with seed: the
     * same seed always gives the same values), with the default noise schedule for its level count.
     */
    public static NcsnScoreNetwork create(Architecture arch, NDManager manager, long seed) {
        return create(arch, defaultSchedule(arch.levels()), manager, seed);
    }

    /** A freshly initialised network for the given noise schedule, whose level count must match arch.levels. */
    public static NcsnScoreNetwork create(Architecture arch, NoiseSchedule schedule, NDManager manager, long seed) {
        if (!FAMILY_NAME.equals(arch.family())) {
            throw new IllegalArgumentException("NcsnScoreNetwork builds the " + FAMILY_NAME + " family, not "
                    + arch.family() + " (build networks through ScoreNetworks)");
        }
        return new NcsnScoreNetwork(arch, schedule, materialize(new Topology(arch), schedule, manager, seed));
    }

    /** The schedule a network gets when none is given: {@link NoiseSchedule#images(int)}. */
    public static NoiseSchedule defaultSchedule(int levels) {
        return NoiseSchedule.images(levels);
    }

    /** Parameter names and shapes, in the network's fixed order, without creating anything. */
    public static Map<String, Shape> parameterShapes(Architecture arch) {
        return shapesOf(new Topology(arch));
    }

    /** Number of scalar parameters of a network of this architecture (analytic, from the layout). */
    public static long parameterCount(Architecture arch) {
        return new Topology(arch).parameterCount();
    }

    /**
     * Convolution FLOPs of one forward pass for one image: 2 · C_in · C_out · k² · H_out · W_out summed over all
     * convolutions at the resolution each is evaluated at; normalisation, activations, pooling and resizing are
     * not counted (see {@link Topology}).
     */
    public static long flopsPerImage(Architecture arch) {
        return new Topology(arch).flops;
    }

    @Override
    PtNDArray finish(PtNDArray out, PtNDArray levels, float[] sigmas, NDManager scope) {
        return out;
    }
}
