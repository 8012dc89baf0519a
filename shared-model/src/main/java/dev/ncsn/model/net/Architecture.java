package dev.ncsn.model.net;

import com.fasterxml.jackson.annotation.JsonProperty;

import java.util.List;

/**
 * The sizes of a score network (CondRefineNetDilated of the paper's appendix A): enough to rebuild it and
 * to check that a set of parameters fits it. Stored in every checkpoint manifest.
 *
 * @param preset    the preset name it came from ("mnist", "cifar10", "compact", …), or "custom"
 * @param channels  image channels (1 or 3)
 * @param imageSize image height = width in pixels
 * @param ngf       base feature count (the reference code's ngf)
 * @param levels    number of noise levels L the normalisation layers are conditioned on
 */
public record Architecture(
        @JsonProperty("preset") String preset,
        @JsonProperty("channels") int channels,
        @JsonProperty("imageSize") int imageSize,
        @JsonProperty("ngf") int ngf,
        @JsonProperty("levels") int levels) {

    public Architecture {
        if (preset == null || preset.isBlank()) {
            throw new IllegalArgumentException("architecture preset name is missing");
        }
        if (channels < 1 || imageSize < 4 || ngf < 1 || levels < 1) {
            throw new IllegalArgumentException("invalid architecture sizes: channels=" + channels
                    + ", imageSize=" + imageSize + ", ngf=" + ngf + ", levels=" + levels);
        }
    }

    /** The paper's MNIST network: 28×28×1, ngf 64, 10 levels; 7,638,657 parameters, ≈3.79 GFLOP per image. */
    public static final String MNIST = "mnist";
    /** The paper's CIFAR-10 network: 32×32×3, ngf 128, 10 levels; 30,117,635 parameters. */
    public static final String CIFAR10 = "cifar10";
    /**
     * The same topology, narrowed for CPU training on 28×28×1 Fashion-MNIST: ngf COMPACT_NGF, 10 levels
     * (see {@link #COMPACT_NGF} for its size and cost).
     */
    public static final String COMPACT = "compact";

    /**
     * ngf of the compact preset: 16, giving 518,817 parameters and ≈0.237 GFLOP per image forward (1/16 of the
     * mnist preset). Measured on 2 CPU cores (Xeon, AVX-512): a training step (forward + backward) at batch 64 takes
     * about 1.0 s with 2 intra-op threads on a quiet machine and about 1.15 s single-threaded; ngf 20 and 24 took
     * about 1.4× and 1.9× as long.
     */
    public static final int COMPACT_NGF = 16;

    private static final List<String> PRESET_NAMES = List.of(MNIST, CIFAR10, COMPACT);

    /** The names {@link #preset} accepts. */
    public static List<String> presetNames() {
        return PRESET_NAMES;
    }

    /** A named preset: "mnist", "cifar10" or "compact". */
    public static Architecture preset(String name) {
        if (name == null) {
            throw new IllegalArgumentException("preset name is missing; known: " + PRESET_NAMES);
        }
        return switch (name) {
            case MNIST -> new Architecture(MNIST, 1, 28, 64, 10);
            case CIFAR10 -> new Architecture(CIFAR10, 3, 32, 128, 10);
            case COMPACT -> new Architecture(COMPACT, 1, 28, COMPACT_NGF, 10);
            default -> throw new IllegalArgumentException("unknown architecture preset '" + name + "'; known: "
                    + PRESET_NAMES);
        };
    }

    /** Number of scalar parameters of the score network with these sizes. */
    public long parameterCount() {
        return NcsnScoreNetwork.parameterCount(this);
    }

    /** Convolution FLOPs (2 per multiply-add) of one forward pass for one image; see {@link NcsnScoreNetwork}. */
    public long flopsPerImage() {
        return NcsnScoreNetwork.flopsPerImage(this);
    }
}
